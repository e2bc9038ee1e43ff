//go:build go1.25

package retry_test

import (
	"context"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3conflict/s3conflict/retry"
)

func vtRun(t *testing.T, writers, N int) (el time.Duration, reqs int64) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		srv := slowServer(t, 2*time.Millisecond, "vtb")
		fns := make([]func() error, writers)
		for i := range fns {
			u := retry.NewUpdater(srv.Client())
			fns[i] = func() error { _, err := u.Update(ctx, "vtb", "k", retry.Incr); return err }
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for i := range writers {
			wg.Go(func() {
				for next.Add(1) <= int64(N) {
					if err := fns[i](); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		el = time.Since(start)
		if got := get(t, srv.Client(), "vtb", "k"); got != fmt.Sprint(N) {
			t.Fatalf("got %s", got)
		}
	})
	return
}

func TestZZVirtual(t *testing.T) {
	one, _ := vtRun(t, 1, 400)
	var rs []float64
	for range 12 {
		el, _ := vtRun(t, 16, 400)
		rs = append(rs, float64(one)/float64(el))
	}
	sort.Float64s(rs)
	var sum float64
	for _, r := range rs {
		sum += r
	}
	t.Logf("median %.3f mean %.3f min %.3f max %.3f", rs[len(rs)/2], sum/float64(len(rs)), rs[0], rs[len(rs)-1])
}

type vtTrace struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	w   int
	t0  time.Time
	out *[]string
	mu  *sync.Mutex
}

func (c vtTrace) Do(r *http.Request) (*http.Response, error) {
	s := time.Since(c.t0)
	resp, err := c.next.Do(r)
	st := 0
	if resp != nil {
		st = resp.StatusCode
	}
	c.mu.Lock()
	*c.out = append(*c.out, fmt.Sprintf("%7.1f %7.1f w%02d %s %d", float64(s.Microseconds())/1000, float64(time.Since(c.t0).Microseconds())/1000, c.w, r.Method, st))
	c.mu.Unlock()
	return resp, err
}

func TestZZVirtualTrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		srv := slowServer(t, 2*time.Millisecond, "vtb")
		var out []string
		var mu sync.Mutex
		t0 := time.Now()
		writers, N := 16, 400
		fns := make([]func() error, writers)
		for i := range fns {
			u := retry.NewUpdater(srv.Client(func(o *s3.Options) {
				o.HTTPClient = vtTrace{next: o.HTTPClient.(interface {
					Do(*http.Request) (*http.Response, error)
				}), w: i, t0: t0, out: &out, mu: &mu}
			}))
			fns[i] = func() error { _, err := u.Update(ctx, "vtb", "k", retry.Incr); return err }
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				for next.Add(1) <= int64(N) {
					if err := fns[i](); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		for _, l := range out {
			fmt.Println(l)
		}
	})
}
