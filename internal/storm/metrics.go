package storm

import (
	"slices"
	"time"
)

// Slice is the width of the time slices the load is counted in.
const Slice = 100 * time.Millisecond

// Succeeded returns how many callers' calls returned no error.
func (r Result) Succeeded() int { return Succeeded(r.Errs) }

// Succeeded returns how many of errs are nil: the calls that succeeded.
func Succeeded(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

// Quantile returns the q-quantile of d by nearest rank (0 < q ≤ 1; with 50
// values the 0.99 quantile is the largest); d must not be empty. d is not
// changed.
func Quantile(d []time.Duration, q float64) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	k := int(float64(len(d))*q+0.999999) - 1
	return d[min(max(k, 0), len(d)-1)]
}

// SuccessRate returns the share of callers that succeeded, 0 to 1.
func (r Result) SuccessRate() float64 { return float64(r.Succeeded()) / float64(r.Callers) }

// Overshoot returns the q-quantile (nearest rank, 0 < q ≤ 1) of the time
// from the window's end to a successful caller's return; false when no
// caller succeeded. With 50 callers the 0.99 quantile is the latest one.
func (r Result) Overshoot(q float64) (time.Duration, bool) {
	var over []time.Duration
	for i, err := range r.Errs {
		if err == nil {
			over = append(over, r.Done[i]-r.Window)
		}
	}
	if len(over) == 0 {
		return 0, false
	}
	return Quantile(over, q), true
}

// MeanRequests returns the requests per caller, every caller counted.
func (r Result) MeanRequests() float64 {
	n := 0
	for _, s := range r.Sent {
		n += len(s)
	}
	return float64(n) / float64(r.Callers)
}

// Series returns the requests of all callers per Slice, from 0 to the last
// request.
func (r Result) Series() []int {
	var out []int
	for _, s := range r.Sent {
		for _, at := range s {
			k := int(at / Slice)
			for len(out) <= k {
				out = append(out, 0)
			}
			out[k]++
		}
	}
	return out
}

// PeakRequests returns the most requests within one Slice.
func (r Result) PeakRequests() int {
	peak := 0
	for _, n := range r.Series() {
		peak = max(peak, n)
	}
	return peak
}

// BusiestSlice returns the most callers that sent a request within one
// Slice starting at or after from: the measure of lockstep.
func (r Result) BusiestSlice(from time.Duration) int {
	in := map[int]map[int]bool{}
	for id, s := range r.Sent {
		for _, at := range s {
			if at < from {
				continue
			}
			k := int(at / Slice)
			if in[k] == nil {
				in[k] = map[int]bool{}
			}
			in[k][id] = true
		}
	}
	most := 0
	for _, c := range in {
		most = max(most, len(c))
	}
	return most
}
