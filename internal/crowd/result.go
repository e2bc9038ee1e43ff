package crowd

import (
	"slices"
	"time"

	"github.com/s3conflict/s3conflict/internal/storm"
)

// Result is what one scenario produced. Times are from the scenario's start
// (for Recreate, the window's opening), virtual inside a synctest bubble.
type Result struct {
	Strategy string
	Window   time.Duration   // Recreate: when the name becomes free; 0 for the race
	Errs     []error         // per call: what it returned
	Called   []time.Duration // per call: when it was made
	Done     []time.Duration // per call: when it returned
	Requests []int           // per call: requests sent
	// Applied lists the calls whose request reached the store, in the
	// order it did: the order in which the writes took effect.
	Applied []int
}

// Succeeded returns how many calls returned no error.
func (r Result) Succeeded() int { return storm.Succeeded(r.Errs) }

// AllRequests returns the requests of every call.
func (r Result) AllRequests() int {
	n := 0
	for _, k := range r.Requests {
		n += k
	}
	return n
}

// RequestsPerSuccess returns the requests sent per call that succeeded; 0
// when none did.
func (r Result) RequestsPerSuccess() float64 {
	if r.Succeeded() == 0 {
		return 0
	}
	return float64(r.AllRequests()) / float64(r.Succeeded())
}

// RequestsPerCall returns the requests sent per call, every call counted.
func (r Result) RequestsPerCall() float64 { return float64(r.AllRequests()) / float64(len(r.Requests)) }

// Total returns the time from the first call to the last return.
func (r Result) Total() time.Duration { return slices.Max(r.Done) - slices.Min(r.Called) }

// P99Latency returns the 0.99 quantile (nearest rank) of the calls'
// durations, failed calls included.
func (r Result) P99Latency() time.Duration {
	d := make([]time.Duration, len(r.Done))
	for i := range d {
		d[i] = r.Done[i] - r.Called[i]
	}
	return storm.Quantile(d, 0.99)
}

// P99AfterWindow returns the 0.99 quantile (nearest rank) of the time from
// the window's end to a successful call's return (0 for one that returned
// before it), and false when no call succeeded.
func (r Result) P99AfterWindow() (time.Duration, bool) {
	var d []time.Duration
	for i, err := range r.Errs {
		if err == nil {
			d = append(d, max(r.Done[i]-r.Window, 0))
		}
	}
	if len(d) == 0 {
		return 0, false
	}
	return storm.Quantile(d, 0.99), true
}

// Inversions counts the pairs of writes that took effect in the opposite
// order to the one they were called in: a called strictly before b, both
// applied, b applied first. 0: the writes took effect in the order called.
func (r Result) Inversions() int {
	n := 0
	for i, a := range r.Applied {
		for _, b := range r.Applied[i+1:] {
			if r.Called[b] < r.Called[a] {
				n++
			}
		}
	}
	return n
}
