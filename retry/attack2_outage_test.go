package retry_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 22029e3: every PutObject is answered 500 without reaching the
// store (an outage); nobody else writes. The update never lands. It must
// not be reported as a lost race ("other writers kept changing the
// object": conflict.PreconditionFailed): nobody wrote. Its error should
// carry the 500.
func TestAttack2OutageIsNoLostRace(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t)
	c := srv.Client(s3test.QuickSDKRetries)
	bucket := s3test.NewBucket(t, c, false)
	_, err := retry.Update(context.Background(), c, bucket, "n", retry.Incr)
	require.NoError(t, err)
	srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Status: 500, Code: "InternalError"})
	_, err = retry.Update(context.Background(), c, bucket, "n", retry.Incr, noWait)
	require.Error(t, err)
	t.Logf("PutObjects sent: %d, GetObjects: %d; error: %v", srv.Faults.Count("PutObject"), srv.Faults.Count("GetObject"), err)
	assert.NotErrorIs(t, err, conflict.PreconditionFailed, "nobody wrote: no lost race")
	assert.Equal(t, "1", get(t, c, bucket, "n"))
}
