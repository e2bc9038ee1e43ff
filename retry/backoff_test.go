package retry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/retry"
)

// constant returns a Rand that always draws r.
func constant(r float64) func() float64 { return func() float64 { return r } }

func TestProportionalBackoff(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		name string
		give retry.ProportionalBackoff
		want []time.Duration
	}{
		{"jitter centred: the base plus 0.28 of the time waited",
			retry.ProportionalBackoff{Base: 350 * ms, Jitter: 0.4, Fraction: 0.28, Rand: constant(0.5)},
			[]time.Duration{350 * ms, 448 * ms, 573440 * time.Microsecond}},
		{"lowest draw: the base less 40%",
			retry.ProportionalBackoff{Base: 350 * ms, Jitter: 0.4, Fraction: 0.28, Rand: constant(0)},
			[]time.Duration{210 * ms, 268800 * time.Microsecond}},
		{"capped at Max",
			retry.ProportionalBackoff{Base: time.Second, Fraction: 1, Max: 3 * time.Second, Rand: constant(0.5)},
			[]time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"a jitter above 100% never gives a negative delay",
			retry.ProportionalBackoff{Base: time.Second, Jitter: 2, Rand: constant(0)},
			[]time.Duration{0, 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.give
			for i, want := range tt.want {
				assert.Equal(t, want, b.NextBackOff(), "delay %d", i+1)
			}
			b.Reset()
			assert.Equal(t, tt.want[0], b.NextBackOff(), "after Reset the time waited starts again")
		})
	}
}

func TestDefaultBackoffIsFreshAndInRange(t *testing.T) {
	a, b := retry.DefaultBackoff(), retry.DefaultBackoff()
	first := a.NextBackOff()
	assert.GreaterOrEqual(t, first, 210*time.Millisecond)
	assert.LessOrEqual(t, first, 490*time.Millisecond)
	a.NextBackOff()
	assert.LessOrEqual(t, b.NextBackOff(), 490*time.Millisecond, "each call gets its own state")
	for range 100 {
		assert.LessOrEqual(t, a.NextBackOff(), retry.DefaultMaxDelay)
	}
}

// The default contention backoff doubles from 5 ms to 100 ms with ±50%
// jitter, then stays at 100 ms ±10% (the even pace of the updates that
// watch a busy key), and Reset starts it over.
func TestDefaultContentionBackoff(t *testing.T) {
	t.Parallel()
	b := retry.DefaultContentionBackoff()
	for round := range 2 {
		for i, mid := range []time.Duration{5, 10, 20, 40, 80, 100, 100, 100} {
			mid *= time.Millisecond
			spread := mid / 2
			if mid == retry.DefaultContentionMax {
				spread = mid / 10
			}
			d := b.NextBackOff()
			assert.GreaterOrEqual(t, d, mid-spread, "round %d, wait %d", round, i)
			assert.LessOrEqual(t, d, mid+spread, "round %d, wait %d", round, i)
		}
		b.Reset()
	}
	// Over many waits at the ceiling, the jitter covers its range.
	var lo, hi time.Duration = time.Hour, 0
	for range 1000 {
		d := b.NextBackOff()
		lo, hi = min(lo, d), max(hi, d)
	}
	assert.Less(t, lo, 92*time.Millisecond)
	assert.Greater(t, hi, 108*time.Millisecond)
}
