package retry

// Incr, for the external tests: adds one to a decimal counter; absent is
// zero.
var Incr = incr
