package retry

import (
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// The default backoff's numbers. Each delay is a jittered base plus a
// fraction of the time the call has already waited:
//
//	delay = DefaultBase × (1 ± DefaultJitter) + DefaultWaitedFraction × waited
//
// at most DefaultMaxDelay. Why a delay that grows with the time waited,
// rather than an exponential one with a fixed cap: the time from a storm's
// end to a caller's success is at most the delay that straddles the end,
// so a delay that is a fixed fraction of the time already spent keeps that
// overshoot a fixed fraction of the storm (≤ 0.3·W + 0.5 s, the goal), while
// the number of requests grows only with the logarithm of W. A fixed cap
// cannot do both: a low one sends a request per cap for the whole storm
// (17.9 requests per caller in a 20 s storm with the previous 1.4 s cap), a
// high one comes back late after short storms. The jitter sits on the base
// only: it spreads callers that failed together over the first seconds, and
// the growth keeps them spread afterwards. TestStormGoals holds these numbers
// to the goals, and BENCHMARKS.md shows them beside the alternatives.
const (
	DefaultBase           = 350 * time.Millisecond
	DefaultJitter         = 0.4
	DefaultWaitedFraction = 0.28
	DefaultMaxDelay       = 10 * time.Second
)

// ProportionalBackoff is a backoff.BackOff whose delay is Base × (1 ±
// Jitter) plus Fraction times the sum of the delays it has returned since
// the last Reset, at most Max. It keeps state: make one per operation call
// (Options.Backoff takes a factory). It is not safe for concurrent use.
type ProportionalBackoff struct {
	Base     time.Duration // the delay before jitter when nothing was waited yet
	Jitter   float64       // the base varies uniformly by ±Jitter (0.4: ±40%)
	Fraction float64       // share of the time already waited added to each delay
	Max      time.Duration // cap on one delay; 0: no cap
	// Rand returns a uniform number in [0, 1). nil: math/rand/v2.Float64.
	// Tests pass a seeded source.
	Rand func() float64

	waited time.Duration
}

// DefaultBackoff returns a new ProportionalBackoff with the default
// numbers: 350 ms ± 40% plus 0.28 × the time already waited, at most 10 s.
// It never stops by itself: the loop's MaxAttempts and MaxElapsed apply.
func DefaultBackoff() backoff.BackOff {
	return &ProportionalBackoff{
		Base:     DefaultBase,
		Jitter:   DefaultJitter,
		Fraction: DefaultWaitedFraction,
		Max:      DefaultMaxDelay,
	}
}

// NextBackOff returns the next delay and counts it as waited.
func (b *ProportionalBackoff) NextBackOff() time.Duration {
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	base := float64(b.Base) * (1 - b.Jitter + 2*b.Jitter*r())
	d := time.Duration(base + b.Fraction*float64(b.waited))
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	if d < 0 {
		d = 0
	}
	b.waited += d
	return d
}

// Reset forgets the time waited.
func (b *ProportionalBackoff) Reset() { b.waited = 0 }
