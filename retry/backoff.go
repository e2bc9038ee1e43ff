package retry

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// The default backoff's numbers.
//
// They were chosen for the storm that matters most: many callers of one
// client answered OperationAborted for several seconds, measured in
// TestStormDefaults (50 callers, virtual time). The first resend comes after
// about 300 ms (a configuration-write race is usually over by then); the
// delay grows by 1.6× so that a 10-second storm costs about 11 requests per
// caller (at most 15 is the goal); ±45% jitter spreads callers that failed
// together (no 100 ms slice ever holds more than 40% of them); and the
// 1.4 s ceiling, at most 2.03 s with jitter, bounds the time from the end
// of a storm to a caller's success: about 2 s, where a fixed schedule moves
// all callers in lockstep and cenkalti/backoff's out-of-the-box exponential
// backoff comes back up to 8 s late after a 10 s storm.
const (
	DefaultInitialInterval     = 300 * time.Millisecond
	DefaultMultiplier          = 1.6
	DefaultRandomizationFactor = 0.45
	DefaultMaxInterval         = 1400 * time.Millisecond
)

// DefaultBackoff returns a new jittered exponential backoff with the
// default numbers above. Its own elapsed-time limit is off: the loop's
// MaxElapsed applies instead.
func DefaultBackoff() backoff.BackOff {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     DefaultInitialInterval,
		RandomizationFactor: DefaultRandomizationFactor,
		Multiplier:          DefaultMultiplier,
		MaxInterval:         DefaultMaxInterval,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	b.Reset()
	return b
}
