package main

import (
	"flag"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3conflict/s3conflict/internal/baseline"
	"github.com/s3conflict/s3conflict/internal/storm"
)

var (
	sweepOut  = flag.String("sweep.out", "", "write the storm sweep's results to this JSON file")
	sweepRuns = flag.Int("sweep.runs", 5, "storms per strategy, window and number of callers")
)

// TestSweep runs the storm sweep under virtual time. With -sweep.out it
// runs every strategy over every window and writes the results for the
// harness; without it, one small storm per strategy checks that the
// simulation works.
func TestSweep(t *testing.T) {
	windows, callers, runs := sweepWindows, sweepCallers, *sweepRuns
	if *sweepOut == "" {
		windows, callers, runs = []time.Duration{time.Second}, []int{5}, 1
	}
	var data sweepData
	for _, c := range callers {
		for _, w := range windows {
			for _, mk := range strategies() {
				cell := cell{Callers: c, Window: w}
				for range runs {
					var r storm.Result
					synctest.Test(t, func(t *testing.T) {
						s := mk()
						cell.Strategy = s.Name
						r = storm.Run(storm.Config{Callers: c, Window: w, Arrival: arrival}, s)
					})
					cell.Runs = append(cell.Runs, summarize(r))
					if c == seriesCallers && w == seriesWindow && len(cell.Series) == 0 {
						cell.Series = r.Series()
					}
				}
				data.Cells = append(data.Cells, cell)
			}
		}
	}
	for _, c := range data.Cells {
		if c.Strategy == "s3conflict" && c.Runs[0].Succeeded != c.Callers {
			t.Errorf("s3conflict: %d of %d callers succeeded in a %v storm", c.Runs[0].Succeeded, c.Callers, c.Window)
		}
	}
	writeJSON(t, *sweepOut, data)
}

// strategies makes fresh strategies (per-client state) in table order.
func strategies() []func() baseline.Strategy {
	return []func() baseline.Strategy{
		baseline.None,
		func() baseline.Strategy { return baseline.SDKRetryer(0) },
		func() baseline.Strategy { return baseline.SDKRetryer(10) },
		func() baseline.Strategy { return baseline.Naive{}.Strategy() },
		func() baseline.Strategy { return baseline.Terraform{}.Strategy() },
		func() baseline.Strategy { return storm.Ours() },
	}
}

// summarize keeps what the report needs of one storm.
func summarize(r storm.Result) run {
	out := run{Succeeded: r.Succeeded(), Requests: r.MeanRequests(), Peak: r.PeakRequests(),
		Busiest: r.BusiestSlice(time.Second), QuotaLeft: r.QuotaLeft}
	if p, ok := r.Overshoot(0.5); ok {
		p99, _ := r.Overshoot(0.99)
		out.P50, out.P99 = p, p99
	}
	return out
}
