package main

import (
	"flag"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3conflict/s3conflict/internal/crowd"
)

var contendedOut = flag.String("contended.out", "", "write the virtual-time contention results to this JSON file")

// contendedAnswer is when the in-process server answers each request.
const contendedAnswer = 2 * time.Millisecond

// TestContended runs crowd.Contended (BenchmarkContendedUpdate's job
// under virtual time) for both Updater strategies at 1, 4 and 16 writers.
// With -contended.out it writes the results for the harness; without it,
// it only checks that the job runs.
func TestContended(t *testing.T) {
	runs := contendedRuns
	if *contendedOut == "" {
		runs = 1
	}
	var rows []contendedRow
	for _, shared := range []bool{false, true} {
		var one crowd.Load
		synctest.Test(t, func(t *testing.T) { one = crowd.Contended(t, 1, contendedUpdates, shared, contendedAnswer) })
		for _, w := range []int{1, 4, 16} {
			var ratios, reqs []float64
			for range runs {
				synctest.Test(t, func(t *testing.T) {
					l := crowd.Contended(t, w, contendedUpdates, shared, contendedAnswer)
					ratios = append(ratios, l.Rate(contendedUpdates)/one.Rate(contendedUpdates))
					reqs = append(reqs, l.PerUpdate(contendedUpdates))
				})
			}
			name := "separate"
			if shared {
				name = "shared"
			}
			rows = append(rows, contendedRow{Strategy: name, Writers: w, Ratio: middle(ratios), PerUpdate: middle(reqs)})
		}
	}
	writeJSON(t, *contendedOut, rows)
}
