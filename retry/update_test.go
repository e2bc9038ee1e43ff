package retry_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// noWait makes every wait of an Updater return at once.
func noWait(o *retry.UpdateOptions) {
	fast(&o.Options)
	o.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}

// serve starts an in-process server with a fresh bucket.
func serve(t *testing.T, optFns ...func(*s3.Options)) (*conflicttest.Server, *s3.Client, string) {
	t.Helper()
	srv := conflicttest.NewServer(t)
	c := srv.Client(optFns...)
	return srv, c, s3test.NewBucket(t, c, false)
}

func get(t *testing.T, c *s3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	require.NoError(t, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(b)
}

func TestUpdateCreatesThenChanges(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	u := retry.NewUpdater(c)
	res, err := u.Update(context.Background(), bucket, "n", retry.Incr)
	require.NoError(t, err)
	assert.True(t, res.Changed)
	assert.NotEmpty(t, res.ETag)
	res2, err := u.Update(context.Background(), bucket, "n", retry.Incr)
	require.NoError(t, err)
	assert.NotEqual(t, res.ETag, res2.ETag)
	assert.Equal(t, 1, srv.Faults.Count("GetObject"), "the second update started from the first one's write")
	assert.Equal(t, "2", get(t, c, bucket, "n"))
}

// "No change" writes nothing; an error from the function writes nothing
// and comes back as is.
func TestUpdateNoChangeAndError(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	s3test.Put(t, c, bucket, "n", "5")
	puts := srv.Faults.Count("PutObject")
	res, err := retry.Update(context.Background(), c, bucket, "n", func([]byte, bool) ([]byte, error) { return nil, retry.ErrNoChange })
	require.NoError(t, err)
	assert.False(t, res.Changed)
	assert.NotEmpty(t, res.ETag, "the ETag of the state the function saw")
	mine := errors.New("mine")
	_, err = retry.Update(context.Background(), c, bucket, "n", func([]byte, bool) ([]byte, error) { return nil, mine })
	assert.ErrorIs(t, err, mine)
	assert.Equal(t, puts, srv.Faults.Count("PutObject"), "nothing written")
	assert.Equal(t, "5", get(t, c, bucket, "n"))
}

func TestUpdateSizeCap(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	s3test.Put(t, c, bucket, "big", strings.Repeat("x", 2000))
	capped := func(o *retry.UpdateOptions) { o.MaxSize = 1000 }
	_, err := retry.Update(context.Background(), c, bucket, "big", retry.Incr, capped)
	assert.ErrorIs(t, err, retry.ErrTooLarge)
	_, err = retry.Update(context.Background(), c, bucket, "small", func([]byte, bool) ([]byte, error) {
		return make([]byte, 1001), nil
	}, capped)
	assert.ErrorIs(t, err, retry.ErrTooLarge, "the new content is capped too, before sending")
	assert.Equal(t, 1, srv.Faults.Count("PutObject"), "only the setup's write was sent")
	_, err = retry.Update(context.Background(), c, bucket, "big", retry.Incr, func(o *retry.UpdateOptions) { o.MaxSize = -1 })
	assert.ErrorIs(t, err, strconv.ErrSyntax, "no cap: the function saw all 2000 bytes")
}

// A lost answer: the write landed, the SDK resent it, and the resend was
// answered 412 by our own write. The token proves it; the update is not
// applied twice.
func TestUpdateLostAnswerAppliedOnce(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t, s3test.QuickSDKRetries)
	s3test.Put(t, c, bucket, "n", "41")
	srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Key: "n", LoseResponse: true, Times: 1})
	res, err := retry.Update(context.Background(), c, bucket, "n", retry.Incr)
	require.NoError(t, err)
	assert.True(t, res.Proven)
	assert.False(t, res.Superseded)
	assert.NotEmpty(t, res.ETag)
	assert.Equal(t, "42", get(t, c, bucket, "n"))
}

// The client's own OnConflict steps aside for the Updater's writes: a
// ConditionalRequestConflict is resent as the Updater's options say, not
// as the client's, and loops never nest.
func TestUpdateOneDecisionMaker(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t, conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", Key: "n", Code: "ConditionalRequestConflict"}))
	c := srv.Client(retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 5 }))
	bucket := s3test.NewBucket(t, c, false)
	_, err := retry.Update(context.Background(), c, bucket, "n", retry.Incr, noWait, func(o *retry.UpdateOptions) { o.MaxAttempts = 3 })
	require.ErrorIs(t, err, conflict.Transient)
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 3, srv.Faults.Count("PutObject"))
}

// Several goroutines of one client: their updates are combined, and each
// caller's error stays its own.
func TestUpdateCombinedErrorsStayOwn(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	u := retry.NewUpdater(c)
	mine := errors.New("refused")
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := retry.Incr
			switch i % 8 {
			case 3:
				fn = func([]byte, bool) ([]byte, error) { return nil, mine }
			case 5:
				fn = func([]byte, bool) ([]byte, error) { panic("boom") }
			case 7:
				fn = func([]byte, bool) ([]byte, error) { return nil, retry.ErrNoChange }
			}
			_, errs[i] = u.Update(context.Background(), bucket, "n", fn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch i % 8 {
		case 3:
			assert.ErrorIs(t, err, mine)
		case 5:
			assert.ErrorIs(t, err, retry.ErrUpdatePanic)
		default:
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, "40", get(t, c, bucket, "n"))
	assert.Less(t, srv.Faults.Count("PutObject"), 40, "updates were combined")
}

func TestUpdateBadInput(t *testing.T) {
	t.Parallel()
	c := conflicttest.NewServer(t).Client()
	for _, tc := range []struct {
		name        string
		bucket, key string
		fn          retry.UpdateFunc
	}{{"no bucket", "", "k", retry.Incr}, {"no key", "b", "", retry.Incr}, {"no function", "b", "k", nil}} {
		_, err := retry.Update(context.Background(), c, tc.bucket, tc.key, tc.fn)
		assert.Error(t, err, tc.name)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := retry.Update(ctx, c, "b", "k", retry.Incr)
	assert.ErrorIs(t, err, context.Canceled)
}

// A lost race is waited out visibly: one Retry event of kind
// PreconditionFailed per wait, and the update applied once.
func TestUpdateLostRaceIsAnEvent(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	var mu sync.Mutex
	var events []retry.Event
	a := retry.NewUpdater(c, noWait, func(o *retry.UpdateOptions) {
		o.OnEvent = func(e retry.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	})
	_, err := a.Update(context.Background(), bucket, "n", retry.Incr) // a remembers "1"
	require.NoError(t, err)
	_, err = retry.Update(context.Background(), c, bucket, "n", retry.Incr) // another writer: "2"
	require.NoError(t, err)
	puts := srv.Faults.Count("PutObject")
	_, err = a.Update(context.Background(), bucket, "n", retry.Incr) // a's write from "1" loses
	require.NoError(t, err)
	assert.Equal(t, "3", get(t, c, bucket, "n"))
	assert.Equal(t, puts+2, srv.Faults.Count("PutObject"), "the lost write and the one that committed")
	require.Len(t, events, 1)
	assert.Equal(t, retry.Retry, events[0].Action)
	assert.Equal(t, conflict.PreconditionFailed, events[0].Kind)
	assert.Equal(t, bucket, events[0].Bucket)
}

// Inside Do, Do decides about ConditionalRequestConflict: the Updater
// sends its write once per call, and loops never nest.
func TestUpdateInsideDo(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t, retry.OnConflict())
	srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Key: "n", Code: "ConditionalRequestConflict"})
	u := retry.NewUpdater(c, noWait)
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		_, err := u.Update(ctx, bucket, "n", retry.Incr)
		return err
	}, fast, func(o *retry.Options) { o.MaxAttempts = 3 })
	require.ErrorIs(t, err, conflict.Transient)
	assert.Equal(t, 3, srv.Faults.Count("PutObject"), "three passes of Do, one send each")
}

// An update that other writers keep beating gives up after MaxRounds, and
// its error says what, where, how many writes it sent, how long it waited
// and why.
func TestUpdateGivesUpSayingWhy(t *testing.T) {
	t.Parallel()
	srv, c, bucket := serve(t)
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("n"), Body: strings.NewReader("1")})
	require.NoError(t, err)
	srv.Faults.Add(conflicttest.Fault{Operation: "PutObject", Key: "n", Status: http.StatusPreconditionFailed, Code: "PreconditionFailed"})
	_, err = retry.Update(context.Background(), c, bucket, "n", retry.Incr, noWait, func(o *retry.UpdateOptions) { o.MaxRounds = 3 })
	require.ErrorIs(t, err, conflict.PreconditionFailed)
	require.ErrorIs(t, err, retry.ErrMaxAttempts)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	// Three rounds: two lost races, then a third of five takes, the
	// first four followed by a short wait each (no rounds).
	assert.Equal(t, 7, ce.Attempts, "seven writes were sent")
	assert.Equal(t, 7, srv.Faults.Count("PutObject")-1)
	assert.Equal(t, bucket, ce.Bucket)
	assert.Equal(t, "n", ce.Key)
	assert.Contains(t, err.Error(), "3 rounds (UpdateOptions.MaxRounds)")
	assert.Contains(t, err.Error(), "other writers kept changing the object")
	assert.Equal(t, "1", get(t, c, bucket, "n"))
}

// Writers in separate processes on one key, with 10% of the answers to
// PutObject lost. A write whose answer is lost is settled by reading the
// object at once, not resent after the SDK's backoff (up to a second or
// two): by then the key has moved on by more writes than the lineage
// holds, and the update was reported ambiguous though it had landed (3 of
// 80 updates with the same seed).
func TestLostAnswersAreSettledWhileTheLineageRemembers(t *testing.T) {
	t.Parallel()
	srv := conflicttest.NewServer(t, conflicttest.WithSeed(7),
		conflicttest.WithFaults(conflicttest.Fault{Operation: "PutObject", LoseResponse: true, Probability: 0.1}))
	bucket := s3test.NewBucket(t, srv.Client(), false)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	var proven atomic.Int64
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := retry.NewUpdater(srv.Client())
			for range each {
				c, err := u.Update(context.Background(), bucket, "n", retry.Incr)
				if assert.NoError(t, err) && c.Proven {
					proven.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, strconv.Itoa(writers*each), get(t, srv.Client(), bucket, "n"))
	lost := 0
	for _, r := range srv.Faults.Records() {
		if r.Lost {
			lost++
		}
	}
	t.Logf("%d answers lost, %d updates proven by their token", lost, proven.Load())
	assert.Positive(t, lost)
}
