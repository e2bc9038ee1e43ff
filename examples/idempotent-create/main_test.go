package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// The second service's create succeeds as already owned, after proving
// ownership, without sending CreateBucket; both use the bucket.
func TestIdempotentCreate(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w)
		require.NoError(t, err, w.String())
		assert.Equal(t, []string{"HeadBucket", "CreateBucket"}, ops(out.Requests[0]))
		assert.Equal(t, []string{"HeadBucket", "ListBuckets", "GetBucketAcl"}, ops(out.Requests[1]), "proven by our own listing and the bucket's owner, not re-created")
		assert.Equal(t, conflict.AlreadyOwned, out.Worker.Accepted)
		assert.Equal(t, 2, out.Objects)
		assert.Empty(t, exampleenv.Leftovers(t, e, "shared-"))
	})
}

func ops(recs []conflicttest.Record) []string {
	var names []string
	for _, r := range recs {
		names = append(names, r.Operation)
	}
	return names
}
