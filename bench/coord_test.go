package main

import (
	"flag"
	"strconv"
	"testing"
	"testing/synctest"

	"github.com/s3conflict/s3conflict/internal/crowd"
)

var coordOut = flag.String("coord.out", "", "write the coordination scenarios' results to this JSON file")

// TestCoord runs both coordination scenarios once per strategy under
// virtual time. With -coord.out it writes the results for the harness;
// without it, it only checks that the scenarios run.
func TestCoord(t *testing.T) {
	var rows []coordRow
	for _, sc := range []string{"race", "recreate"} {
		for _, mk := range crowd.Strategies() {
			var r crowd.Result
			synctest.Test(t, func(t *testing.T) {
				if sc == "race" {
					r = crowd.ConfigRace(mk())
				} else {
					r = crowd.Recreate(mk())
				}
			})
			row := coordRow{Scenario: sc, Strategy: r.Strategy, Calls: len(r.Errs), Succeeded: r.Succeeded(),
				PerSuccess: r.RequestsPerSuccess(), PerCall: r.RequestsPerCall(), Total: r.Total(), P99: r.P99Latency(),
				Inversions: r.Inversions()}
			row.P99After, _ = r.P99AfterWindow()
			if sc == "race" {
				for _, id := range r.Applied {
					row.Applied = append(row.Applied, label(id))
				}
			}
			rows = append(rows, row)
		}
	}
	writeJSON(t, *coordOut, rows)
}

// label names call id of the race as goroutine.write, from 0.
func label(id int) string {
	return strconv.Itoa(id/crowd.RaceWrites) + "." + strconv.Itoa(id%crowd.RaceWrites)
}
