package main

import (
	"flag"
	"testing"
	"testing/synctest"
	"time"

	"github.com/s3conflict/s3conflict/internal/crowd"
)

var contendedOut = flag.String("contended.out", "", "write the virtual-time contention results to this JSON file")

// contendedServers are the in-process servers TestContended runs against:
// free answers every request 2 ms after it arrives, whatever else it does;
// busy is crowd.BusyServer, versitygw on a 2-core machine.
var contendedServers = []struct {
	name   string
	answer crowd.Answer
}{
	{"free", crowd.Answer{Read: 2 * time.Millisecond, Write: 2 * time.Millisecond}},
	{"busy", crowd.BusyServer},
}

// TestContended runs crowd.Contended (BenchmarkContendedUpdate's job
// under virtual time) for both Updater strategies at 1, 4 and 16 writers,
// against each of contendedServers.
// With -contended.out it writes the results for the harness; without it,
// it only checks that the job runs.
func TestContended(t *testing.T) {
	runs := contendedRuns
	if *contendedOut == "" {
		runs = 1
	}
	var rows []contendedRow
	for _, srv := range contendedServers {
		for _, shared := range []bool{false, true} {
			var one crowd.Load
			synctest.Test(t, func(t *testing.T) { one = crowd.Contended(t, 1, contendedUpdates, shared, srv.answer) })
			for _, w := range []int{1, 4, 16} {
				var ratios, reqs []float64
				for range runs {
					synctest.Test(t, func(t *testing.T) {
						l := crowd.Contended(t, w, contendedUpdates, shared, srv.answer)
						ratios = append(ratios, l.Rate(contendedUpdates)/one.Rate(contendedUpdates))
						reqs = append(reqs, l.PerUpdate(contendedUpdates))
					})
				}
				name := "separate"
				if shared {
					name = "shared"
				}
				rows = append(rows, contendedRow{Server: srv.name, Strategy: name, Writers: w,
					Ratio: middle(ratios), PerUpdate: middle(reqs)})
			}
		}
	}
	writeJSON(t, *contendedOut, rows)
}
