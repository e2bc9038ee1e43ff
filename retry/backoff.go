package retry

import (
	"time"

	"github.com/cenkalti/backoff/v4"
)

// The default backoff's numbers.
//
// They were chosen for the storm that matters most: many callers of one
// client answered OperationAborted for several seconds. The first resend
// comes after about 250 ms (a tagging race is usually over by then); the
// delay grows by half each time so that a 10-second storm costs about 10
// requests per caller; ±50% jitter spreads callers that failed together;
// and the 2 s ceiling keeps the time between the storm's end and a caller's
// success to about 2 s at worst.
const (
	DefaultInitialInterval     = 250 * time.Millisecond
	DefaultMultiplier          = 1.5
	DefaultRandomizationFactor = 0.5
	DefaultMaxInterval         = 2 * time.Second
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
