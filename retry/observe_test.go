package retry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// Eight goroutines retrying at once: every event carries its call's id,
// ids differ between calls, and every call ends with exactly one final
// record, Resolved, saying after how many requests.
func TestInterleavedCallsToldApart(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	sent := map[string]int{}
	stub := s3stub.NewFunc(func(n int, r *http.Request) s3stub.Answer {
		mu.Lock()
		defer mu.Unlock()
		sent[r.URL.Path]++
		if sent[r.URL.Path] <= 2 {
			return aborted()
		}
		return s3stub.OK
	})
	rec := &recorder{}
	c := stub.Client(retry.OnConflict(fast, rec.options))
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.PutBucketTagging(context.Background(), tagging(fmt.Sprint("bucket-", i)))
			if assert.NoError(t, err) {
				res, _ := retry.ResultOf(out.ResultMetadata)
				ids[i] = res.CallID
			}
		}()
	}
	wg.Wait()
	byID := map[string][]retry.Event{}
	for _, e := range rec.all() {
		require.NotEmpty(t, e.CallID)
		byID[e.CallID] = append(byID[e.CallID], e)
	}
	require.Len(t, byID, 8, "one id per call")
	for i, id := range ids {
		events := byID[id]
		require.Len(t, events, 3, "call %d: two retries and one final record", i)
		for _, e := range events {
			assert.Equal(t, fmt.Sprint("bucket-", i), e.Bucket, "an id never mixes calls")
		}
		assert.Equal(t, []retry.Action{retry.Retry, retry.Retry, retry.Resolved},
			[]retry.Action{events[0].Action, events[1].Action, events[2].Action})
		assert.Equal(t, 3, events[2].Attempt)
	}
}

// A later answer that is not a conflict ends the call with its own error,
// unchanged, and still leaves one final record.
func TestNonConflictAfterResendLeavesAStopRecord(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted(), s3stub.Error(404, "NoSuchBucket"))
	rec := &recorder{}
	c := stub.Client(retry.OnConflict(fast, rec.options))
	_, err := c.PutBucketTagging(context.Background(), tagging("gone"))
	require.Error(t, err)
	var ce *conflict.Error
	assert.False(t, errors.As(err, &ce), "not a conflict: the SDK's error as it was")
	events := rec.all()
	require.Len(t, events, 2)
	assert.Equal(t, retry.Stop, events[1].Action)
	assert.Equal(t, conflict.None, events[1].Kind)
	assert.Equal(t, "NoSuchBucket", events[1].Code)
	assert.Equal(t, events[0].CallID, events[1].CallID)
}

// A call without a conflict gets no id and no record.
func TestFastPathLeavesNoTrace(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	c := s3stub.New().Client(retry.OnConflict(rec.options))
	out, err := c.PutBucketTagging(context.Background(), tagging("b"))
	require.NoError(t, err)
	_, ok := retry.ResultOf(out.ResultMetadata)
	assert.False(t, ok)
	assert.Empty(t, rec.all())
	_, err = c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String("b"), Key: aws.String(strings.Repeat("k", 3))})
	require.NoError(t, err)
	assert.Empty(t, rec.all())
}

var errCannotRewind = errors.New("device cannot rewind")

// brokenSeeker is a body that cannot seek any more once broken is set.
type brokenSeeker struct {
	*strings.Reader
	broken *atomic.Bool
}

func (s brokenSeeker) Seek(off int64, whence int) (int64, error) {
	if s.broken.Load() {
		return 0, errCannotRewind
	}
	return s.Reader.Seek(off, whence)
}

// A body that fails to rewind ends the call with its error and one final
// record.
func TestRewindFailureLeavesAStopRecord(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	stub := s3stub.NewFunc(func(n int, r *http.Request) s3stub.Answer {
		broken.Store(true) // the device fails after the first send
		return s3stub.Error(409, "ConditionalRequestConflict")
	})
	rec := &recorder{}
	c := stub.Client(retry.OnConflict(fast, rec.options))
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Body: brokenSeeker{strings.NewReader("payload"), &broken}, ContentLength: aws.Int64(7), IfNoneMatch: aws.String("*")})
	require.ErrorIs(t, err, errCannotRewind)
	assert.Equal(t, 1, stub.Count(), "never resent from the wrong offset")
	events := rec.all()
	require.Len(t, events, 2)
	assert.Equal(t, retry.Retry, events[0].Action)
	assert.Equal(t, retry.Stop, events[1].Action)
	assert.ErrorIs(t, events[1].Err, errCannotRewind)
}

// A give-up's error carries the call id of its records, so the error a
// caller logs can be matched to the loop's own lines.
func TestGiveUpErrorCarriesCallID(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted(), aborted(), aborted())
	rec := &recorder{}
	c := stub.Client(retry.OnConflict(fast, rec.options, func(o *retry.Options) { o.MaxAttempts = 2 }))
	_, err := c.PutBucketTagging(context.Background(), tagging("busy"))
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	events := rec.all()
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, retry.Stop, last.Action)
	assert.NotEmpty(t, ce.CallID)
	assert.Equal(t, last.CallID, ce.CallID)
}
