package integration

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// Chaos settings: S3CONFLICT_CHAOS_SEED (default chaosSeed, so that a run
// of the suite, CI's included, is the run that was checked; "random" draws
// one and logs it) and S3CONFLICT_CHAOS_OPS (default chaosOps).
const (
	chaosSeed    = 20261126
	chaosOps     = 1200
	chaosWorkers = 8
	callLimit    = 30 * time.Second // a call still running after this is a discrepancy
	hangLimit    = 90 * time.Second // an op still running after this is a hang: the test fails at once
)

// chaos is one run: what every worker shares.
type chaos struct {
	seed      uint64
	race, upd string // shared buckets: versioned (conditional puts, Updater keys), unversioned (claims, tag)
	stranger  string // another account's bucket, readable by ours
	raceKeys  int
	claimKeys int
	ledger    ledger
	bad       discrepancies

	mu     sync.Mutex
	counts map[string]*[3]int // op → outcomes
	errs   map[string]int     // "op: error class" → count
	// unprovenIDs are the conditional writes to own keys reported
	// ambiguous that had landed and were current right after.
	unprovenIDs []string
	// unknowns counts the shared-key writes of unknown outcome by "op:
	// error class": [not landed, landed].
	unknowns map[string]*[2]int
}

// TestChaos runs S3CONFLICT_CHAOS_OPS mixed operations (default 1,200)
// from 8 goroutines against versitygw, each through either of two clients
// of one plain user with retry.OnConflict (one also with precheck.Enable)
// and their Updaters, behind client-side faults (see front). Then it
// reads the server's state with a client without faults and checks it
// against a model of what every call was told:
//
//   - each worker alone writes its own keys and buckets, so their possible
//     states are exact after every success and read, widened only by the
//     writes whose outcome is unknown (an error other than a lost race);
//   - the shared keys are written only conditionally; their versions must
//     be exactly the landed writes, chained (see verifyRace), Updater
//     lists hold every acknowledged update once, a claim has one owner;
//   - a lost race (conflict.PreconditionFailed without ErrAmbiguousWrite)
//     must never have landed, and every call must return (hangLimit).
//
// The seed (S3CONFLICT_CHAOS_SEED, default chaosSeed, always logged) fixes each
// worker's operations and the faults' draws; the goroutines' interleaving
// is the scheduler's.
func TestChaos(t *testing.T) {
	versitygw.Need(t, vgw)
	seed, n := chaosSettings(t)
	t.Logf("seed %d, %d operations (S3CONFLICT_CHAOS_SEED=%d S3CONFLICT_CHAOS_OPS=%d to run it again)", seed, n, seed, n)
	defer func() {
		if t.Failed() {
			t.Logf("reproduce: S3CONFLICT_CHAOS_SEED=%d S3CONFLICT_CHAOS_OPS=%d go test -race -run TestChaos ./internal/integration", seed, n)
		}
	}()
	start := time.Now()
	c, f, workers := setup(t, seed, n)
	if !run(t, workers, n) {
		return
	}
	ran := time.Since(start)
	c.verify(t, vgw.Client(versitygw.Other), workers)
	c.summary(t, f, n, ran, time.Since(start))
	bad := c.bad.all()
	for i, d := range bad {
		if i == 20 {
			t.Errorf("… %d more", len(bad)-20)
			break
		}
		t.Errorf("seed %d: %s", seed, d)
	}
}

// chaosSettings reads the seed (default: drawn) and the number of
// operations (default chaosOps) from the environment.
func chaosSettings(t *testing.T) (seed uint64, n int) {
	seed, n = chaosSeed, chaosOps
	var err error
	if s := os.Getenv("S3CONFLICT_CHAOS_SEED"); s == "random" {
		seed = rand.Uint64() % 1e9
	} else if s != "" {
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "S3CONFLICT_CHAOS_SEED")
	}
	if s := os.Getenv("S3CONFLICT_CHAOS_OPS"); s != "" {
		n, err = strconv.Atoi(s)
		require.NoError(t, err, "S3CONFLICT_CHAOS_OPS")
	}
	return seed, n
}

// setup makes the buckets and the workers. The workers' clients are of
// the server's second account (a plain user); the stranger's bucket
// belongs to the root account, which lets ours read it.
func setup(t *testing.T, seed uint64, n int) (*chaos, *front, []*worker) {
	plain := vgw.Client(versitygw.Other)
	prefix := s3test.BucketName(t)
	mk := func(name string, versioned bool) string {
		name = prefix + "-" + name
		_, err := plain.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name})
		require.NoError(t, err)
		if versioned {
			s3test.EnableVersioning(t, plain, name)
		}
		return name
	}
	root := vgw.Client(versitygw.Root)
	stranger := s3test.NewBucket(t, root, false)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + versitygw.Other.AccessKey +
		`"]},"Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::` + stranger + `","arn:aws:s3:::` + stranger + `/*"]}]}`
	_, err := root.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: &stranger, Policy: &pol})
	require.NoError(t, err)

	c := &chaos{seed: seed, race: mk("race", true), upd: mk("upd", false), stranger: stranger,
		counts: map[string]*[3]int{}, errs: map[string]int{}, unknowns: map[string]*[2]int{}, raceKeys: max(4, n/200), claimKeys: max(4, n/80)}
	f := newFront(seed)
	unlimited := func(o *retry.Options) { o.Budget = retry.Unlimited() }
	user := func(optFns ...func(*s3.Options)) *s3.Client {
		return vgw.Client(versitygw.Other, append([]func(*s3.Options){f.install, s3test.QuickSDKRetries}, optFns...)...)
	}
	clients := []*s3.Client{
		user(retry.OnConflict(fast, unlimited), precheck.Enable()),
		user(retry.OnConflict(fast, unlimited)),
	}
	var updaters []*retry.Updater // one per client, shared by the workers
	for _, cl := range clients {
		updaters = append(updaters, retry.NewUpdater(cl, func(o *retry.UpdateOptions) { fast(&o.Options); unlimited(&o.Options) }))
	}
	var workers []*worker
	for g := range chaosWorkers {
		w := &worker{chaos: c, g: g, rng: rand.New(rand.NewPCG(seed, uint64(g))), clients: clients, updaters: updaters,
			oracle: plain, own: mk(fmt.Sprintf("own%d", g), false), life: fmt.Sprintf("%s-life%d", prefix, g)}
		for i := range w.objs {
			w.objs[i].set(absent)
		}
		w.cur = -1
		w.vers.set(absent)
		w.btag.set(absent)
		w.lifeState.set(absent)
		workers = append(workers, w)
	}
	return c, f, workers
}

// run runs n ops over the workers; it reports false, having failed t,
// when an op hangs.
func run(t *testing.T, workers []*worker, n int) bool {
	busy := make([]atomic.Pointer[string], len(workers))
	since := make([]atomic.Int64, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range (n + len(workers) - 1 - i) / len(workers) {
				op := ops[w.pick()]
				j := w.rng.IntN(len(w.clients)) // either client, so prechecks meet what the other did
				w.c, w.u = w.clients[j], w.updaters[j]
				id := fmt.Sprintf("g%d-%d", w.g, k)
				what := op.name + " " + id
				since[i].Store(time.Now().UnixNano())
				busy[i].Store(&what)
				ctx, cancel := context.WithTimeout(context.Background(), callLimit)
				err := op.run(w, ctx, id)
				if ctx.Err() != nil {
					w.bad(id, "%s did not return within %v: %v", op.name, callLimit, err)
				}
				cancel()
				busy[i].Store(nil)
				w.count(op.name, err)
				w.done(id, op.name, err)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	watch := time.NewTicker(time.Second)
	defer watch.Stop()
	for {
		select {
		case <-done:
			return true
		case <-watch.C:
			for i := range workers {
				if what := busy[i].Load(); what != nil && time.Since(time.Unix(0, since[i].Load())) > hangLimit {
					buf := make([]byte, 1<<20)
					buf = buf[:runtime.Stack(buf, true)]
					t.Errorf("seed %d: worker %d hangs in %s for more than %v; goroutines:\n%s", workers[0].seed, i, *what, hangLimit, buf)
					return false
				}
			}
		}
	}
}
