package retry

import (
	"sync"
	"time"
)

// The default budget: a token bucket that refills at DefaultBudgetRate
// retries per second and holds DefaultBudgetBurst. 50 callers riding out a
// 10-second storm send about 500 retries, about 200 of them in the first two
// seconds, and never wait on it (TestStormDefaults checks); 5,000 callers in
// the same storm are slowed to 100 retries per second, and a retry that
// would wait longer than DefaultBudgetMaxWait is refused.
const (
	DefaultBudgetRate    = 100.0
	DefaultBudgetBurst   = 500
	DefaultBudgetMaxWait = 10 * time.Second
)

// Budget bounds the retries that all calls sharing it may add: a rate with a
// burst. A retry first slows down (waits for a token, in addition to its
// backoff); only one that would have to wait longer than the budget's
// maximum wait is refused, with ErrBudgetExhausted. First attempts never
// spend from it.
//
// A Budget is safe for concurrent use; share one between clients by putting
// the same *Budget in their Options.
type Budget struct {
	rate    float64 // tokens per second; <= 0: unlimited
	burst   float64
	maxWait time.Duration
	now     func() time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// NewBudget returns a budget that refills rate retries per second, holds at
// most burst, and refuses a retry that would wait longer than maxWait.
// Zero values take the defaults; a negative rate makes the budget
// unlimited (never slows, never refuses).
func NewBudget(rate float64, burst int, maxWait time.Duration) *Budget {
	if rate == 0 {
		rate = DefaultBudgetRate
	}
	if burst <= 0 {
		burst = DefaultBudgetBurst
	}
	if maxWait <= 0 {
		maxWait = DefaultBudgetMaxWait
	}
	return &Budget{rate: rate, burst: float64(burst), maxWait: maxWait, tokens: float64(burst), now: time.Now}
}

// Unlimited returns a budget that never slows down or refuses a retry.
func Unlimited() *Budget { return NewBudget(-1, 0, 0) }

// reserve takes one token and says how long to wait for it; ok is false
// (and nothing is taken) when the wait would exceed the maximum.
func (b *Budget) reserve() (wait time.Duration, ok bool) {
	if b == nil || b.rate < 0 {
		return 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	b.tokens--
	if b.tokens >= 0 {
		return 0, true
	}
	wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	if wait > b.maxWait {
		b.tokens++
		return wait, false
	}
	return wait, true
}

// refund returns a token that reserve gave for a retry that was not sent.
func (b *Budget) refund() {
	if b == nil || b.rate < 0 {
		return
	}
	b.mu.Lock()
	b.tokens++
	b.mu.Unlock()
}
