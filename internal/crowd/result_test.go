package crowd

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestResultMetrics(t *testing.T) {
	s := time.Second
	r := Result{
		Window:   2 * s,
		Errs:     []error{nil, nil, errors.New("aborted"), nil},
		Called:   []time.Duration{0, 1 * s, 2 * s, 3 * s},
		Done:     []time.Duration{1 * s, 4 * s, 2 * s, 3 * s},
		Requests: []int{1, 3, 1, 1},
		Applied:  []int{0, 3, 1}, // call 1 was called before call 3 but applied after it
	}
	assert.Equal(t, 3, r.Succeeded())
	assert.Equal(t, 2.0, r.RequestsPerSuccess())
	assert.Equal(t, 1.5, r.RequestsPerCall())
	assert.Equal(t, 4*s, r.Total())
	assert.Equal(t, 3*s, r.P99Latency(), "the longest call: 1 s to 4 s")
	after, ok := r.P99AfterWindow()
	assert.True(t, ok)
	assert.Equal(t, 2*s, after, "call 1 returned 2 s after the window")
	assert.Equal(t, 1, r.Inversions())

	r.Applied = []int{0, 1, 3}
	assert.Zero(t, r.Inversions())
	r.Errs = []error{errors.New("x"), errors.New("x"), errors.New("x"), errors.New("x")}
	_, ok = r.P99AfterWindow()
	assert.False(t, ok)
	assert.Zero(t, r.RequestsPerSuccess())
}
