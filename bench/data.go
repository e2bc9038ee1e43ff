package main

import (
	"slices"
	"time"
)

// The sweep: OperationAborted windows, numbers of callers, and the storm
// whose load over time is drawn.
var (
	sweepWindows = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second,
		3 * time.Second, 5 * time.Second, 8 * time.Second, 13 * time.Second, 20 * time.Second}
	sweepCallers  = []int{1, 50}
	seriesCallers = 50
	seriesWindow  = 5 * time.Second
	// arrival: every caller's first request comes 50 ms after the window
	// opens, so that the window's end is aligned with no schedule.
	arrival = 50 * time.Millisecond
)

// sweepData is what TestSweep hands the harness.
type sweepData struct{ Cells []cell }

// cell is one strategy at one window and number of callers.
type cell struct {
	Strategy string
	Callers  int
	Window   time.Duration
	Runs     []run
	Series   []int // requests per 100 ms of the first run, for the drawn storm
}

// run is one storm's summary.
type run struct {
	Succeeded int
	P50, P99  time.Duration // overshoot of successful callers; 0 when none succeeded
	Requests  float64       // per caller
	Peak      int           // most requests in one 100 ms slice
	Busiest   int           // most callers in one 100 ms slice after the first second
	QuotaLeft int           // the SDK's retry quota; -1: not used
}

// median returns the median of f over the cell's runs (the lower middle
// for an even count).
func median[T int | float64 | time.Duration](c cell, f func(run) T) T {
	v := make([]T, len(c.Runs))
	for i, r := range c.Runs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[(len(v)-1)/2]
}
