//go:build go1.25

package retry_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// finals counts each call's final events (Resolved, Accept, Stop), by
// CallID, for every call that has any event.
func finals(events []retry.Event) map[string]int {
	n := map[string]int{}
	for _, e := range events {
		n[e.CallID] += 0
		switch e.Action {
		case retry.Resolved, retry.Accept, retry.Stop:
			n[e.CallID]++
		}
	}
	return n
}

// A call that waited in line behind another call of its client ends, like
// every call that has a record, with one final record: Resolved when its
// request then succeeds (Attempt 1, Waited the time in line, no conflict),
// Stop when it fails otherwise (Kind None, the error as returned).
func TestCoordWaitedCallEndsWithOneFinalRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		c, inj := modelClient(conflicttest.Model{}, rec)
		ctx := context.Background()
		errs, _ := calls(tag(c, ctx, "alpha"), tag(c, ctx, "alpha"), tag(c, ctx, "alpha"))
		for _, err := range errs {
			require.NoError(t, err)
		}
		events := rec.all()
		waited := actions(events, retry.Waited)
		require.Len(t, waited, 2, "two writes waited")
		resolved := actions(events, retry.Resolved)
		require.Len(t, resolved, 2, "each write that waited ends with Resolved")
		for i, r := range resolved {
			assert.Equal(t, waited[i].CallID, r.CallID)
			assert.Equal(t, "alpha", r.Bucket)
			assert.Equal(t, "PutBucketTagging", r.Operation)
			assert.Equal(t, 1, r.Attempt)
			assert.Equal(t, waited[i].Waited, r.Waited)
			assert.Equal(t, time.Duration(i+1)*200*time.Millisecond, r.Waited)
			assert.Equal(t, conflict.None, r.Kind)
			assert.NoError(t, r.Err)
		}
		for id, n := range finals(events) {
			assert.Equal(t, 1, n, "final records of call %s", id)
		}

		// A write that waits, then gets 403: one Stop, the error as it is.
		rec.events = nil
		inj.Add(conflicttest.Fault{Operation: "PutBucketTagging", Bucket: "bravo", Status: 403, Code: "AccessDenied"})
		errs, _ = calls(func() error {
			_, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("bravo")})
			return err
		}, tag(c, ctx, "bravo"))
		require.NoError(t, errs[0])
		require.Error(t, errs[1])
		assert.Equal(t, conflict.None, conflict.Classify(errs[1]))
		events = rec.all()
		stops := actions(events, retry.Stop)
		require.Len(t, stops, 1)
		assert.Equal(t, actions(events, retry.Waited)[0].CallID, stops[0].CallID)
		assert.Equal(t, conflict.None, stops[0].Kind)
		assert.Equal(t, 1, stops[0].Attempt)
		assert.ErrorIs(t, errs[1], stops[0].Err)
		for id, n := range finals(events) {
			assert.Equal(t, 1, n, "final records of call %s", id)
		}
	})
}
