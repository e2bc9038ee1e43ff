package retry

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// gatedClient holds its first PutObject until gate closes (or the call's
// context ends, sending nothing).
type gatedClient struct {
	*s3.Client
	once    sync.Once
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedClient) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Client.PutObject(ctx, in, optFns...)
}

// incr adds one to a decimal counter; absent is zero.
func incr(cur []byte, exists bool) ([]byte, error) {
	n := 0
	if exists {
		var err error
		if n, err = strconv.Atoi(string(cur)); err != nil {
			return nil, err
		}
	}
	return []byte(strconv.Itoa(n + 1)), nil
}

// waitQueued yields until n updates wait behind the leader of k.
func waitQueued(u *Updater, k objectKey, n int) {
	for {
		u.mu.Lock()
		q := u.keys[k]
		got := 0
		if q != nil {
			got = len(q.pending)
		}
		u.mu.Unlock()
		if got >= n {
			return
		}
		runtime.Gosched()
	}
}

// updaterGoroutines counts the goroutines running this package's Updater code.
func updaterGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Count(string(buf), "retry.(*Updater)")
}

func setup(t *testing.T) (*gatedClient, *Updater, objectKey, func() string) {
	t.Helper()
	srv := conflicttest.NewServer(t)
	c := srv.Client()
	bucket := s3test.NewBucket(t, c, false)
	g := &gatedClient{Client: c, entered: make(chan struct{}), gate: make(chan struct{})}
	u := NewUpdater(g, func(o *UpdateOptions) {
		o.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	})
	read := func() string {
		s, err := u.read(context.Background(), objectKey{bucket, "n"}, false)
		require.NoError(t, err)
		return string(s.body)
	}
	return g, u, objectKey{bucket, "n"}, read
}

// A queued caller that gives up leaves the others undisturbed.
func TestQueuedCallerCancelled(t *testing.T) {
	g, u, k, read := setup(t)
	var wg sync.WaitGroup
	var leaderErr, otherErr, cancelledErr error
	wg.Add(1)
	go func() { defer wg.Done(); _, leaderErr = u.Update(context.Background(), k.bucket, k.key, incr) }()
	<-g.entered
	ctx, cancel := context.WithCancel(context.Background())
	wg.Add(2)
	go func() { defer wg.Done(); _, cancelledErr = u.Update(ctx, k.bucket, k.key, incr) }()
	go func() { defer wg.Done(); _, otherErr = u.Update(context.Background(), k.bucket, k.key, incr) }()
	waitQueued(u, k, 2)
	cancel()
	close(g.gate)
	wg.Wait()
	assert.NoError(t, leaderErr)
	assert.NoError(t, otherErr)
	if cancelledErr != nil { // it may have been served before it saw the cancel
		assert.ErrorIs(t, cancelledErr, context.Canceled)
		assert.NotErrorIs(t, cancelledErr, ErrAmbiguousWrite, "it was never in a write")
		assert.Equal(t, "2", read())
	} else {
		assert.Equal(t, "3", read())
	}
	assert.Zero(t, updaterGoroutines(), "no goroutine outlives its call")
}

// The leader gives up while its write is held: the next caller takes the
// lead, settles the unanswered write, and commits its own update.
func TestLeaderCancelledDuringWrite(t *testing.T) {
	g, u, k, read := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var leaderErr, otherErr error
	wg.Add(1)
	go func() { defer wg.Done(); _, leaderErr = u.Update(ctx, k.bucket, k.key, incr) }()
	<-g.entered
	wg.Add(1)
	go func() { defer wg.Done(); _, otherErr = u.Update(context.Background(), k.bucket, k.key, incr) }()
	waitQueued(u, k, 1)
	cancel()
	wg.Wait()
	require.ErrorIs(t, leaderErr, context.Canceled)
	assert.ErrorIs(t, leaderErr, ErrAmbiguousWrite, "its write was in flight")
	assert.NoError(t, otherErr)
	assert.Equal(t, "1", read(), "the held write was never sent; the other update landed once")
	assert.Zero(t, updaterGoroutines())
}

func TestJudge(t *testing.T) {
	t.Parallel()
	chain := func(token string, lineage ...string) *snapshot {
		return &snapshot{exists: true, token: token, lineage: lineage}
	}
	for _, tc := range []struct {
		name string
		w    pendingWrite
		cur  *snapshot
		want verdict
	}{
		{"ours is current", pendingWrite{token: "w", base: "b"}, chain("w", "b"), landed},
		{"ours replaced since", pendingWrite{token: "w", base: "b"}, chain("x", "w", "b"), landed},
		{"base followed by another", pendingWrite{token: "w", base: "b"}, chain("x", "b", "a"), notLanded},
		{"base gone from the chain", pendingWrite{token: "w", base: "b"}, chain("x", "y"), unproven},
		{"clean refusal", pendingWrite{token: "w", base: "b", clean: true}, chain("x", "y"), notLanded},
		{"created by another, chain complete", pendingWrite{token: "w", base: rootMark}, chain("x", rootMark), notLanded},
		{"created by another, chain cut", pendingWrite{token: "w", base: rootMark}, chain("x", "y"), unproven},
		{"still absent", pendingWrite{token: "w", base: rootMark}, &snapshot{}, notLanded},
		{"base without token", pendingWrite{token: "w"}, chain("x"), unproven},
		{"no token", pendingWrite{base: "b"}, chain("x", "y"), unproven},
	} {
		assert.Equal(t, tc.want, judge(tc.w, tc.cur), tc.name)
	}
}

// The lineage keeps within S3's 2 KB of user metadata, next to the
// object's own.
func TestStampMetadataFits(t *testing.T) {
	t.Parallel()
	long := make([]string, 100)
	for i := range long {
		long[i] = newToken()
	}
	s := &snapshot{exists: true, token: newToken(), lineage: long}
	for _, user := range []map[string]string{nil, {"note": strings.Repeat("x", 1800)}} {
		md, ok := stampMetadata(user, newToken(), s)
		require.True(t, ok)
		assert.LessOrEqual(t, usermeta.Size(md), usermeta.Limit)
		assert.Equal(t, s.token, strings.Fields(md[LineageMetadataKey])[0])
	}
	_, ok := stampMetadata(map[string]string{"note": strings.Repeat("x", 2030)}, newToken(), s)
	assert.False(t, ok, "no room for the token: the write goes without")
}

// Each write counts one more than the object it replaces, so that a
// waiter counts the writes between two reads beyond the lineage's 32.
func TestStampMetadataCountsWrites(t *testing.T) {
	t.Parallel()
	s := &snapshot{} // absent
	first := s
	for range 50 {
		md, ok := stampMetadata(nil, newToken(), s)
		require.True(t, ok)
		token, lineage, writes := lineageOf(md)
		s = &snapshot{exists: true, etag: token, token: token, lineage: lineage, writes: writes}
		if first.token == "" {
			first = s
		}
	}
	assert.Equal(t, uint64(50), s.writes)
	assert.Equal(t, 49, writesSince(first, s), "49 writes after the first, 32 of them in the lineage")
	room := 10 // bytes left after the token: too few for the count
	note := usermeta.Limit - len("note") - len(TokenMetadataKey) - len(newToken()) - room
	md, ok := stampMetadata(map[string]string{"note": strings.Repeat("x", note)}, newToken(), s)
	require.True(t, ok)
	assert.NotContains(t, md, WritesMetadataKey, "no room left for the count: the token still goes")
}

func TestWritesSince(t *testing.T) {
	t.Parallel()
	at := func(token string, lineage ...string) *snapshot {
		return &snapshot{exists: true, etag: "e-" + token, token: token, lineage: lineage}
	}
	counted := func(s *snapshot, writes uint64) *snapshot { s.writes = writes; return s }
	prev := counted(at("b", "a"), 7)
	for _, tc := range []struct {
		name string
		cur  *snapshot
		want int
	}{
		{"unchanged", at("b", "a"), 0},
		{"one write", at("c", "b", "a"), 1},
		{"three writes", at("e", "d", "c", "b"), 3},
		{"beyond the lineage", at("z", "y"), -1},
		{"beyond the lineage, counted", counted(at("z", "y"), 57), 50},
		{"counted, fewer than the lineage shows", counted(at("z", "y"), 8), -1},
		{"counted, restarted", counted(at("z", "y"), 3), -1},
		{"no token now, same ETag", &snapshot{exists: true, etag: "e-b"}, 0},
		{"no token now, other ETag", &snapshot{exists: true, etag: "e-x"}, -1},
	} {
		assert.Equal(t, tc.want, writesSince(prev, tc.cur), tc.name)
	}
	assert.Equal(t, -1, writesSince(nil, prev), "nothing read before")
	assert.Equal(t, -1, writesSince(at("b", "a"), counted(at("z", "y"), 57)), "counted now, not before")
	assert.Equal(t, 0, writesSince(&snapshot{exists: true, etag: "x"}, &snapshot{exists: true, etag: "x"}), "no tokens, same ETag")
}

// Two updates share one write; its leader's caller leaves while the write
// is held (nothing sent). The other caller still waits: the next round
// finds nobody wrote and the write not there, and sends the very same
// request again (a send still on its way and this one are one write), so
// the waiting update commits; the leader's, carried in the same write, is
// reported ambiguous, and it did land. Before, the waiting caller got
// ErrAmbiguousWrite too.
func TestCombinedUpdateOutlivesItsLeader(t *testing.T) {
	g, u, k, read := setup(t)
	leaderErr, otherErr := leaderLeavesMidWrite(u, k, g.entered)
	require.ErrorIs(t, leaderErr, context.Canceled)
	assert.ErrorIs(t, leaderErr, ErrAmbiguousWrite)
	require.NoError(t, otherErr, "its update was in the write, sent again as it was")
	assert.Equal(t, "2", read(), "one write with both updates, applied once")
	assert.Zero(t, updaterGoroutines())
}

// lateClient abandons its first PutObject when the call's context ends, but
// the send is still on its way: it lands just before the next PutObject,
// as a request the server got before the client gave up would.
type lateClient struct {
	*s3.Client
	n       atomic.Int32
	entered chan struct{}
	late    func()
}

func (c *lateClient) PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	switch c.n.Add(1) {
	case 1:
		close(c.entered)
		<-ctx.Done()
		cp := *in
		c.late = func() { _, _ = c.Client.PutObject(context.Background(), &cp) }
		return nil, ctx.Err()
	case 2:
		c.late()
	}
	return c.Client.PutObject(ctx, in, optFns...)
}

// The same as TestCombinedUpdateOutlivesItsLeader, but the abandoned write
// lands just before it is sent again: the resend is refused 412 by that
// very write. Found by a user's test on versitygw, where 4 of 64 updates
// were applied twice: the 412 to the resend was taken for a lost race and
// the functions applied again.
func TestAbandonedWriteLandingLateIsNotALostRace(t *testing.T) {
	srv := conflicttest.NewServer(t)
	bucket := s3test.NewBucket(t, srv.Client(), false)
	c := &lateClient{Client: srv.Client(), entered: make(chan struct{})}
	u := NewUpdater(c, func(o *UpdateOptions) {
		o.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	})
	k := objectKey{bucket, "n"}
	leaderErr, otherErr := leaderLeavesMidWrite(u, k, c.entered)
	require.ErrorIs(t, leaderErr, ErrAmbiguousWrite)
	require.NoError(t, otherErr)
	assert.Equal(t, "2", s3test.Get(t, srv.Client(), bucket, "n"), "each update applied once")
	assert.Zero(t, updaterGoroutines())
}

// leaderLeavesMidWrite queues two increments of k on u, the first leading;
// once entered is closed (the leader's write is on its way), the leader's
// context ends. It returns both callers' errors.
func leaderLeavesMidWrite(u *Updater, k objectKey, entered <-chan struct{}) (leaderErr, otherErr error) {
	ctx, cancel := context.WithCancel(context.Background())
	newWaiter := func() *waiter {
		return &waiter{fn: incr, res: make(chan result, 1), lead: make(chan struct{}, 1), joined: time.Now()}
	}
	leader, other := newWaiter(), newWaiter()
	u.mu.Lock()
	q := &queue{pending: []*waiter{leader, other}, leader: leader}
	u.keys[k] = q
	u.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _, leaderErr = u.lead(ctx, k, q, leader) }()
	go func() {
		defer wg.Done()
		select {
		case r := <-other.res:
			otherErr = r.err
		case <-other.lead:
			_, otherErr = u.lead(context.Background(), k, q, other)
		}
	}()
	<-entered
	cancel()
	wg.Wait()
	return leaderErr, otherErr
}

// The write's time follows the count, and a value a foreign writer put
// there that is not a count and a time reads as neither.
func TestWriteTime(t *testing.T) {
	t.Parallel()
	at := time.UnixMicro(1764172800123456)
	md := map[string]string{WritesMetadataKey: "57"}
	stampTime(md, at)
	assert.Equal(t, "57 1764172800123456", md[WritesMetadataKey])
	_, _, writes := lineageOf(md)
	assert.Equal(t, uint64(57), writes)
	assert.True(t, at.Equal(wroteAt(md)))
	for _, v := range []string{"", "57", "57 ", "57 abc", "57 -5", "57 0", "x 12"} {
		assert.True(t, wroteAt(map[string]string{WritesMetadataKey: v}).IsZero(), "%q", v)
	}
	full := map[string]string{WritesMetadataKey: "57", "note": strings.Repeat("x", usermeta.Limit-len("note")-len(WritesMetadataKey)-2)}
	stampTime(full, at)
	assert.Equal(t, "57", full[WritesMetadataKey], "no room for the time: the count alone")
	none := map[string]string{}
	stampTime(none, at)
	assert.Empty(t, none, "no count: no time either")
}

// A key whose last two writes came from different Updaters is passing
// from writer to writer; tokens not made by an Updater name no writer.
func TestHandedOver(t *testing.T) {
	t.Parallel()
	a, b := tokenOf("AAAA"), tokenOf("BBBB")
	assert.Equal(t, "AAAA", writerOf(a))
	assert.NotEqual(t, a, tokenOf("AAAA"), "each write its own token")
	assert.True(t, handedOver(&snapshot{token: b, lineage: []string{a}}))
	assert.False(t, handedOver(&snapshot{token: tokenOf("AAAA"), lineage: []string{a}}))
	assert.False(t, handedOver(&snapshot{token: b}), "no lineage")
	assert.False(t, handedOver(&snapshot{token: b, lineage: []string{rootMark}}), "the write that created it")
}
