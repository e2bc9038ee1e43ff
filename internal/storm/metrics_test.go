package storm

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMetrics(t *testing.T) {
	ms := time.Millisecond
	r := Result{
		Config: Config{Callers: 3, Window: time.Second},
		Errs:   []error{nil, nil, errors.New("gave up")},
		Done:   []time.Duration{1200 * ms, 1500 * ms, 900 * ms},
		Sent: [][]time.Duration{
			{0, 1050 * ms, 1200 * ms},
			{0, 1060 * ms, 1500 * ms},
			{0, 900 * ms},
		},
	}
	assert.Equal(t, 2, r.Succeeded())
	assert.InDelta(t, 2.0/3, r.SuccessRate(), 1e-9)
	p50, ok := r.Overshoot(0.5)
	assert.True(t, ok)
	assert.Equal(t, 200*ms, p50, "the failed caller is left out")
	p99, _ := r.Overshoot(0.99)
	assert.Equal(t, 500*ms, p99)
	assert.InDelta(t, 8.0/3, r.MeanRequests(), 1e-9, "every caller counts")
	assert.Equal(t, []int{3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 1, 0, 0, 1}, r.Series())
	assert.Equal(t, 3, r.PeakRequests())
	assert.Equal(t, 2, r.BusiestSlice(time.Second), "two callers at 1.0x s")
	assert.Equal(t, 3, r.BusiestSlice(0), "three at the start")

	_, ok = Result{Config: Config{Callers: 1}, Errs: []error{errors.New("x")}, Done: []time.Duration{0}}.Overshoot(0.99)
	assert.False(t, ok, "no success, no overshoot")
}
