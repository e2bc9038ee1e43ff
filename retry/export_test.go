package retry

import "time"

// Incr, for the external tests: adds one to a decimal counter; absent is
// zero.
var Incr = incr

// StopBudgetClock makes b's clock stand still at now, so that tests of its
// waits do not depend on how fast the machine runs.
func StopBudgetClock(b *Budget, now time.Time) { b.now = func() time.Time { return now } }

// SetWriter makes u's write tokens begin with w (4 characters), as if it
// were another Updater that drew the same name.
func SetWriter(u *Updater, w string) { u.writer = w }
