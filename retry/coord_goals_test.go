//go:build go1.25

package retry_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/internal/crowd"
)

// TestCoordinationGoals holds coordination to its goals on the conflict
// model (virtual time; internal/crowd, shared with BENCHMARKS.md), every
// strategy beside it in the log:
//   - 8 goroutines × 5 configuration writes to one bucket (200 ms apply):
//     every write lands, at most 1.05 requests per write, at most 1.1 × the
//     serial minimum of 8 s, and the writes take effect in the order called;
//   - 50 callers re-creating a name inside a 3 s OperationAborted window:
//     every call succeeds, at most 3 requests per caller on average, and the
//     p99 time from the window's end to success is at most 0.5 s.
func TestCoordinationGoals(t *testing.T) {
	for _, mk := range crowd.Strategies() {
		var race, re crowd.Result
		synctest.Test(t, func(t *testing.T) { race = crowd.ConfigRace(mk()) })
		synctest.Test(t, func(t *testing.T) { re = crowd.Recreate(mk()) })
		after, _ := re.P99AfterWindow()
		t.Logf("%-13s race: %2d/40 ok, %.2f req/write, %.2f× serial, p99 call %v, %d inversions; "+
			"re-create: %2d/50 ok, %.2f req/caller, p99 after window %v",
			race.Strategy, race.Succeeded(), race.RequestsPerSuccess(), float64(race.Total())/float64(crowd.SerialMinimum),
			race.P99Latency().Round(time.Millisecond), race.Inversions(),
			re.Succeeded(), re.RequestsPerCall(), after.Round(time.Millisecond))
		if race.Strategy != "s3conflict" {
			continue
		}
		assert.Equal(t, 40, race.Succeeded(), "every write lands")
		assert.LessOrEqual(t, race.RequestsPerSuccess(), 1.05, "requests per write")
		assert.LessOrEqual(t, float64(race.Total()), 1.1*float64(crowd.SerialMinimum), "total time against the serial minimum")
		assert.Zero(t, race.Inversions(), "the writes take effect in the order called")
		assert.Len(t, race.Applied, 40)

		assert.Equal(t, 50, re.Succeeded(), "every re-creation succeeds")
		assert.LessOrEqual(t, re.RequestsPerCall(), 3.0, "requests per caller")
		assert.LessOrEqual(t, after, 500*time.Millisecond, "p99 time after the window")
	}
}
