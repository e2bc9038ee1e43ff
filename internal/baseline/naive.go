package baseline

import (
	"context"
	"strings"
	"time"

	"github.com/s3conflict/s3conflict/internal/ctxwait"
)

// Naive is the loop people write first: up to Tries calls, a fixed Delay
// between them, retrying any error whose text contains "409". Zero fields
// take 3 tries and 2 s.
type Naive struct {
	Tries int
	Delay time.Duration
	// Sleep waits for d or until ctx ends. nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Strategy returns the loop as a Strategy.
func (n Naive) Strategy() Strategy { return Strategy{Name: "naive", Do: n.Do} }

// Do runs call under the loop.
func (n Naive) Do(ctx context.Context, call func(context.Context) error) error {
	tries, delay, wait := n.Tries, n.Delay, n.Sleep
	if tries <= 0 {
		tries = 3
	}
	if delay <= 0 {
		delay = 2 * time.Second
	}
	if wait == nil {
		wait = ctxwait.Sleep
	}
	var err error
	for i := range tries {
		if i > 0 {
			if werr := wait(ctx, delay); werr != nil {
				return err
			}
		}
		if err = call(ctx); err == nil || !strings.Contains(err.Error(), "409") {
			return err
		}
	}
	return err
}
