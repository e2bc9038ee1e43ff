package retry_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/metrics"
	"github.com/cenkalti/backoff/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/retry"
)

// fast makes the loop never wait.
func fast(o *retry.Options) {
	o.Backoff = func() backoff.BackOff { return &backoff.ZeroBackOff{} }
}

func aborted() s3stub.Answer { return s3stub.Error(409, "OperationAborted") }

// abortedStub answers every request OperationAborted.
func abortedStub() *s3stub.Stub {
	stub := s3stub.New()
	stub.Default = aborted()
	return stub
}

func tagging(bucket string) *s3.PutBucketTaggingInput {
	return &s3.PutBucketTaggingInput{Bucket: aws.String(bucket),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}}
}

func TestTransientRetriedToSuccess(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted(), aborted(), aborted(), s3stub.OK)
	var events []retry.Event
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) {
		o.OnEvent = func(e retry.Event) { events = append(events, e) }
	}))
	out, err := c.PutBucketTagging(context.Background(), tagging("logs"))
	require.NoError(t, err)
	assert.Equal(t, 4, stub.Count())
	res, ok := retry.ResultOf(out.ResultMetadata)
	require.True(t, ok)
	assert.Equal(t, 4, res.Attempts)
	require.Len(t, events, 4, "three retries, then one final record")
	final := events[3]
	assert.Equal(t, retry.Resolved, final.Action)
	assert.Equal(t, 4, final.Attempt, "resolved at the fourth request")
	assert.Equal(t, res.CallID, final.CallID)
	assert.NoError(t, final.Err)
	for i, e := range events[:3] {
		assert.Equal(t, retry.Retry, e.Action)
		assert.Equal(t, final.CallID, e.CallID, "one id on every event of the call")
		assert.Equal(t, i+1, e.Attempt)
		assert.Equal(t, "PutBucketTagging", e.Operation)
		assert.Equal(t, "logs", e.Bucket)
		assert.Equal(t, "OperationAborted", e.Code)
		assert.Equal(t, conflict.Transient, e.Kind)
		assert.NotEmpty(t, e.RequestID)
		assert.NotEmpty(t, e.HostID)
	}
}

func TestNameTakenStopsAtOnce(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "BucketAlreadyExists"))
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("invoices")})
	require.Error(t, err)
	assert.Equal(t, 1, stub.Count())
	assert.ErrorIs(t, err, conflict.NameTaken)
	assert.NotErrorIs(t, err, conflict.Transient)

	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, conflict.NameTaken, ce.Kind)
	assert.Equal(t, "BucketAlreadyExists", ce.Code)
	assert.Equal(t, 409, ce.StatusCode)
	assert.Equal(t, "CreateBucket", ce.Operation)
	assert.Equal(t, "invoices", ce.Bucket)
	assert.Equal(t, 1, ce.Attempts)
	assert.Equal(t, "REQ1", ce.RequestID)
	assert.Equal(t, "HOST1", ce.HostID)

	var api smithy.APIError
	require.ErrorAs(t, err, &api, "the SDK's error stays reachable")
	assert.Equal(t, "BucketAlreadyExists", api.ErrorCode())
	var modeled *types.BucketAlreadyExists
	assert.ErrorAs(t, err, &modeled)
}

func TestAlreadyOwned(t *testing.T) {
	t.Parallel()
	t.Run("accepted by default", func(t *testing.T) {
		stub := s3stub.New(s3stub.Error(409, "BucketAlreadyOwnedByYou"))
		c := stub.Client(retry.OnConflict(fast))
		out, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("mine")})
		require.NoError(t, err)
		require.NotNil(t, out)
		assert.Equal(t, 1, stub.Count())
		res, ok := retry.ResultOf(out.ResultMetadata)
		require.True(t, ok)
		assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
	})
	t.Run("an error when configured", func(t *testing.T) {
		stub := s3stub.New(s3stub.Error(409, "BucketAlreadyOwnedByYou"))
		c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) {
			o.Policies = []retry.Policy{{Kind: conflict.AlreadyOwned, Action: retry.Stop}}
		}))
		_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("mine")})
		assert.ErrorIs(t, err, conflict.AlreadyOwned)
		assert.Equal(t, 1, stub.Count())
	})
}

func TestRestoreInProgressIsSuccess(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "RestoreAlreadyInProgress"))
	c := stub.Client(retry.OnConflict(fast))
	out, err := c.RestoreObject(context.Background(), &s3.RestoreObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	require.NoError(t, err)
	res, _ := retry.ResultOf(out.ResultMetadata)
	assert.Equal(t, conflict.InProgress, res.Accepted)
}

func TestTerminalKindsStop(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "BucketNotEmpty"))
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("full")})
	assert.ErrorIs(t, err, conflict.NotEmpty)
	assert.Equal(t, 1, stub.Count())

	stub = s3stub.New(s3stub.Error(409, "SomethingNew"))
	c = stub.Client(retry.OnConflict(fast))
	_, err = c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("b")})
	assert.ErrorIs(t, err, conflict.Unknown)
	assert.Equal(t, 1, stub.Count())
}

func TestPutObjectBodyResentWhole(t *testing.T) {
	t.Parallel()
	data := make([]byte, 64<<10)
	_, _ = rand.Read(data)
	for _, start := range []int64{0, 1000} {
		stub := s3stub.New(s3stub.Error(409, "ConditionalRequestConflict"), s3stub.Error(409, "ConditionalRequestConflict"), s3stub.OK)
		c := stub.Client(retry.OnConflict(fast))
		body := bytes.NewReader(data)
		_, err := body.Seek(start, io.SeekStart)
		require.NoError(t, err)
		_, err = c.PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String("b"), Key: aws.String("k"), Body: body, IfNoneMatch: aws.String("*"),
		})
		require.NoError(t, err)
		reqs := stub.Requests()
		require.Len(t, reqs, 3)
		for i, r := range reqs {
			assert.Equal(t, "*", r.Header.Get("If-None-Match"), "conditions unchanged on pass %d", i+1)
			assert.True(t, bytes.Equal(data[start:], r.Body), "pass %d from offset %d got %d bytes, want %d", i+1, start, len(r.Body), len(data)-int(start))
		}
	}
}

// onceReader is a body that cannot seek.
type onceReader struct{ r io.Reader }

func (o *onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestNonSeekableBodyIsNeverResent(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "ConditionalRequestConflict"), s3stub.OK)
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String("b"), Key: aws.String("k"), Body: &onceReader{strings.NewReader("payload")},
		ContentLength: aws.Int64(7),
	})
	require.Error(t, err)
	assert.Equal(t, 1, stub.Count())
	assert.ErrorIs(t, err, retry.ErrBodyNotRewindable)
	assert.ErrorIs(t, err, conflict.Transient)
}

func TestCompleteMultipartUploadConflictMeansRestart(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "ConditionalRequestConflict"))
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.CompleteMultipartUpload(context.Background(), &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("b"), Key: aws.String("k"), UploadId: aws.String("up-1"), IfNoneMatch: aws.String("*"),
	})
	assert.ErrorIs(t, err, conflict.RestartUpload)
	assert.Equal(t, 1, stub.Count())
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "up-1", ce.UploadID)
}

func TestCancelledContextEndsLongWait(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted())
	c := stub.Client(retry.OnConflict(func(o *retry.Options) {
		o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(time.Hour) }
		o.MaxElapsed = -1
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.PutBucketTagging(ctx, tagging("b"))
		done <- err
	}()
	require.Eventually(t, func() bool { return stub.Count() == 1 }, 10*time.Second, time.Millisecond)
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, conflict.Transient, "the last conflict is kept")
		var ce *conflict.Error
		assert.ErrorAs(t, err, &ce)
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not end with the context")
	}
}

func TestBudgetExhausted(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	budget := retry.NewBudget(0.001, 2, time.Millisecond) // two retries, then a refill in 1000 s
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) { o.Budget = budget }))
	_, err := c.PutBucketTagging(context.Background(), tagging("b"))
	require.Error(t, err)
	assert.ErrorIs(t, err, retry.ErrBudgetExhausted)
	assert.Equal(t, 3, stub.Count(), "first attempt plus the two retries the budget allowed")

	// The budget is shared: a second call gets no retry at all.
	_, err = c.PutBucketTagging(context.Background(), tagging("b"))
	assert.ErrorIs(t, err, retry.ErrBudgetExhausted)
	assert.Equal(t, 4, stub.Count())
}

func TestBudgetSlowsBeforeRefusing(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted(), aborted(), s3stub.OK)
	var waits []time.Duration
	budget := retry.NewBudget(10, 1, time.Second) // one token, then one every 100 ms
	retry.StopBudgetClock(budget, time.Now())     // no refill between the two retries
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) {
		o.Budget = budget
		o.Sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	}))
	_, err := c.PutBucketTagging(context.Background(), tagging("b"))
	require.NoError(t, err)
	require.Len(t, waits, 2)
	assert.Zero(t, waits[0])
	assert.Equal(t, 100*time.Millisecond, waits[1], "the second retry waits for a token")
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 3 }))
	_, err := c.PutBucketTagging(context.Background(), tagging("b"))
	assert.ErrorIs(t, err, retry.ErrMaxAttempts)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 3, ce.Attempts)
	assert.Equal(t, 3, stub.Count())
}

func TestPolicyPerOperationAndCode(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) {
		o.Policies = []retry.Policy{
			{Kind: conflict.Transient, Operation: "DeleteBucket", Code: "OperationAborted", Action: retry.Stop},
			{Kind: conflict.Transient, Operation: "PutBucketTagging", MaxAttempts: 2},
		}
	}))
	_, err := c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("b")})
	assert.ErrorIs(t, err, conflict.Transient)
	assert.Equal(t, 1, stub.Count())
	_, err = c.PutBucketTagging(context.Background(), tagging("b"))
	assert.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 3, stub.Count())
}

func TestRegistrationReplacesNeverNests(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	c := stub.Client(
		retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 7 }),
		retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 5 }),
	)
	_, err := c.PutBucketTagging(context.Background(), tagging("b"))
	assert.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 5, stub.Count(), "the later client option wins, loops do not nest (35)")

	_, err = c.PutBucketTagging(context.Background(), tagging("b"),
		retry.OnConflict(fast, func(o *retry.Options) { o.MaxAttempts = 2 }))
	assert.ErrorIs(t, err, retry.ErrMaxAttempts)
	assert.Equal(t, 7, stub.Count(), "a per-call option overrides the client's")

	_, err = c.PutBucketTagging(context.Background(), tagging("b"),
		retry.OnConflict(func(o *retry.Options) { o.Disabled = true }))
	var ce *conflict.Error
	assert.False(t, errors.As(err, &ce), "disabled: the SDK's error comes back as it was")
	assert.Equal(t, conflict.Transient, conflict.Classify(err))
	assert.Equal(t, 8, stub.Count())
}

func TestPresignUnchanged(t *testing.T) {
	t.Parallel()
	stub := s3stub.New()
	plain := s3.NewPresignClient(stub.Client())
	withRetry := s3.NewPresignClient(stub.Client(retry.OnConflict()))
	in := &s3.GetObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}
	a, err := plain.PresignGetObject(context.Background(), in)
	require.NoError(t, err)
	b, err := withRetry.PresignGetObject(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, strip(a.URL), strip(b.URL))
	assert.Equal(t, a.Method, b.Method)
	assert.Equal(t, 0, stub.Count(), "presigning sends nothing")
}

// strip drops the parts of a presigned URL that change with the clock.
func strip(u string) string {
	i := strings.Index(u, "X-Amz-Date")
	if i < 0 {
		return u
	}
	return u[:i]
}

func TestCreateSessionPassesThrough(t *testing.T) {
	t.Parallel()
	stub := abortedStub()
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.CreateSession(context.Background(), &s3.CreateSessionInput{Bucket: aws.String("b--use1-az4--x-s3")})
	require.Error(t, err)
	var ce *conflict.Error
	assert.False(t, errors.As(err, &ce))
	assert.Equal(t, 1, stub.Count())
}

func TestCallerInputNeverChangedOnRename(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(409, "BucketAlreadyExists"), s3stub.Error(409, "BucketAlreadyExists"), s3stub.OK)
	var renames []int
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) {
		o.Rename = func(taken string, n int) (string, error) {
			renames = append(renames, n)
			return "invoices-" + string(rune('a'+n)), nil
		}
	}))
	in := &s3.CreateBucketInput{Bucket: aws.String("invoices")}
	out, err := c.CreateBucket(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, "invoices", *in.Bucket, "the caller's input is untouched")
	name, ok := retry.FinalBucket(out.ResultMetadata)
	require.True(t, ok)
	assert.Equal(t, "invoices-c", name)
	assert.Equal(t, []int{1, 2}, renames)
	reqs := stub.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "/invoices", reqs[0].Path)
	assert.Equal(t, "/invoices-b", reqs[1].Path)
	assert.Equal(t, "/invoices-c", reqs[2].Path)
}

func TestLogging(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	stub := s3stub.New(aborted(), s3stub.Error(409, "BucketNotEmpty"))
	c := stub.Client(retry.OnConflict(fast, func(o *retry.Options) { o.Logger = logger }))
	_, err := c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String("b")})
	require.ErrorIs(t, err, conflict.NotEmpty)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2, "one record per decision")
	assert.Contains(t, lines[0], `"level":"DEBUG"`)
	assert.Contains(t, lines[0], `"code":"OperationAborted"`)
	assert.Contains(t, lines[0], `"request_id":"REQ1"`)
	assert.Contains(t, lines[0], `"host_id":"HOST1"`)
	assert.Contains(t, lines[1], `"level":"WARN"`, "a give-up is a warning")
	assert.Contains(t, lines[1], `"kind":"not empty"`)
	assert.Contains(t, lines[1], `"attempt":2`)
	var first, second struct {
		CallID string `json:"call_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &second))
	assert.NotEmpty(t, first.CallID)
	assert.Equal(t, first.CallID, second.CallID, "one id on every record of the call")
}

func TestNoLoggerIsSilent(t *testing.T) {
	// Not parallel: it swaps the default logger to prove it is never used.
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	stub := s3stub.New(aborted(), s3stub.OK)
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.PutBucketTagging(context.Background(), tagging("b"))
	require.NoError(t, err)
	assert.Empty(t, buf.String())
}

func TestDo(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(aborted(), aborted(), s3stub.OK, s3stub.Error(409, "BucketAlreadyExists"))
	c := stub.Client()
	calls := 0
	err := retry.Do(context.Background(), func(ctx context.Context) error {
		calls++
		_, err := c.PutBucketTagging(ctx, tagging("b"))
		return err
	}, fast)
	require.NoError(t, err)
	assert.Equal(t, 3, calls)

	err = retry.Do(context.Background(), func(ctx context.Context) error {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("x")})
		return err
	}, fast)
	assert.ErrorIs(t, err, conflict.NameTaken)
	var ce *conflict.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "CreateBucket", ce.Operation)

	plain := errors.New("not s3")
	assert.Same(t, plain, retry.Do(context.Background(), func(context.Context) error { return plain }, fast))
}

func TestConcurrentCallsShareOneClient(t *testing.T) {
	t.Parallel()
	stub := s3stub.NewFunc(func(n int, r *http.Request) s3stub.Answer {
		if n%3 == 0 {
			return aborted()
		}
		return s3stub.OK
	})
	c := stub.Client(retry.OnConflict(fast))
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.PutBucketTagging(context.Background(), tagging("b"))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A conditional PutObject carries a unique token in its metadata; the
// caller's input and its Metadata map are never changed; an unconditional
// PutObject carries nothing extra.
func TestConditionalWriteToken(t *testing.T) {
	t.Parallel()
	stub := s3stub.New()
	c := stub.Client(retry.OnConflict(fast))
	meta := map[string]string{"owner": "me"}
	in := &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x"),
		IfNoneMatch: aws.String("*"), Metadata: meta}
	for range 2 {
		_, err := c.PutObject(context.Background(), in)
		require.NoError(t, err)
		in.Body = strings.NewReader("x")
	}
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)

	reqs := stub.Requests()
	require.Len(t, reqs, 3)
	tok1 := reqs[0].Header.Get("X-Amz-Meta-S3conflict-Token")
	tok2 := reqs[1].Header.Get("X-Amz-Meta-S3conflict-Token")
	assert.Len(t, tok1, 32)
	assert.NotEqual(t, tok1, tok2, "one token per call")
	assert.Equal(t, "me", reqs[0].Header.Get("X-Amz-Meta-Owner"))
	assert.Empty(t, reqs[2].Header.Get("X-Amz-Meta-S3conflict-Token"))
	assert.Equal(t, map[string]string{"owner": "me"}, meta, "the caller's map is untouched")
	assert.Equal(t, map[string]string{"owner": "me"}, in.Metadata)

	stub2 := s3stub.New()
	_, err = stub2.Client(retry.OnConflict(func(o *retry.Options) { o.NoWriteToken = true })).PutObject(context.Background(),
		&s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	require.NoError(t, err)
	assert.Empty(t, stub2.Requests()[0].Header.Get("X-Amz-Meta-S3conflict-Token"))
}

// A 412 at the first send is a clean lost race: no extra reads.
func TestPreconditionFailedFirstSendIsLostRace(t *testing.T) {
	t.Parallel()
	stub := s3stub.New(s3stub.Error(412, "PreconditionFailed"))
	c := stub.Client(retry.OnConflict(fast))
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"),
		Body: strings.NewReader("x"), IfNoneMatch: aws.String("*")})
	require.ErrorIs(t, err, conflict.PreconditionFailed)
	assert.NotErrorIs(t, err, retry.ErrAmbiguousWrite)
	assert.Equal(t, 1, stub.Count(), "no HeadObject for a clean 412")
}

// meterProvider records counter additions (smithy-go's metrics API, as the
// SDK's MeterProvider option takes it).
type meterProvider struct {
	metrics.NopMeterProvider
	mu    sync.Mutex
	added []string
}

type meter struct {
	metrics.Meter
	p *meterProvider
}

type counter struct {
	p    *meterProvider
	name string
}

func (p *meterProvider) Meter(string, ...metrics.MeterOption) metrics.Meter {
	return meter{Meter: metrics.NopMeterProvider{}.Meter(""), p: p}
}

func (m meter) Int64Counter(name string, _ ...metrics.InstrumentOption) (metrics.Int64Counter, error) {
	return counter{p: m.p, name: name}, nil
}

func (c counter) Add(_ context.Context, n int64, opts ...metrics.RecordMetricOption) {
	var o metrics.RecordMetricOptions
	for _, fn := range opts {
		fn(&o)
	}
	c.p.mu.Lock()
	c.p.added = append(c.p.added, fmt.Sprint(c.name, " ", o.Properties.Get("action"), " ", o.Properties.Get("code")))
	c.p.mu.Unlock()
}

func TestDecisionsAreCountedOnTheClientsMeter(t *testing.T) {
	t.Parallel()
	mp := &meterProvider{}
	stub := s3stub.New(aborted(), aborted(), s3stub.OK)
	c := stub.Client(func(o *s3.Options) { o.MeterProvider = mp }, retry.OnConflict(fast))
	_, err := c.PutBucketTagging(context.Background(), tagging("logs"))
	require.NoError(t, err)
	mp.mu.Lock()
	defer mp.mu.Unlock()
	var ours []string
	for _, a := range mp.added {
		if strings.HasPrefix(a, retry.DecisionsMetric) {
			ours = append(ours, a)
		}
	}
	assert.Equal(t, []string{"s3conflict.decisions retry OperationAborted", "s3conflict.decisions retry OperationAborted",
		"s3conflict.decisions resolved OperationAborted"}, ours)
}
