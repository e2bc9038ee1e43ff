//go:build go1.25

package retry_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// stopDuringWait runs a busy writer back to back and a waiter whose
// contention wait is wait, always (no jitter); the busy writer stops frac
// of a wait after the waiter's probe-th read of the headers. It returns
// how long after the busy writer's last commit the waiter committed.
func stopDuringWait(t *testing.T, wait time.Duration, probe int, frac float64) time.Duration {
	t.Helper()
	return stopWithClock(t, wait, probe, frac, nil)
}

// Attack on e985b83: a waiter whose full wait ended on a key still
// written at 4/5 or more of the pace the previous wait measured waits
// again at once, without the short confirming wait. Once the busy writer
// stops, the waiter must still take the key within about one contention
// wait plus a few round trips, whatever the moment of the wait at which
// it stopped: at most one wait, the fifth of a wait the 4/5 rule may take
// for the writer's pace, and 8 answers. Here the waits are 100 ms with no
// jitter; time is virtual, 2 ms per answer. From the busy writer's last
// commit to the waiter's, the writer stopping 0, 0.1, ... 0.9 of a wait
// after a probe (five runs): before e985b83, 8 to 10 ms just after a probe
// (the confirming read), then 104 down to 30 ms; now 104 ms just after a
// probe, then 96 down to 42 ms, and at 0.8 and 0.9 either 32 or 128 ms and
// 118 ms (the read found 4/5 of the writes: one more wait). With the rule
// at 1/2 instead of 4/5: 138 to 158 ms at 0.5 to 0.7.
func TestAttack4WaiterTakesTheKeyAWaitAfterItsWriterStops(t *testing.T) {
	const wait, answer = 100 * time.Millisecond, 2 * time.Millisecond
	var afters []time.Duration
	for tenth := range 10 {
		after := stopDuringWait(t, wait, 6, float64(tenth)/10)
		afters = append(afters, after.Round(time.Millisecond))
		assert.LessOrEqual(t, after, wait+wait/5+8*answer,
			"the busy writer stopped %d/10 of a wait after a probe; the waiter committed %v after its last commit", tenth, after)
	}
	t.Logf("the waiter committed %v after the busy writer's last commit", afters)
}
