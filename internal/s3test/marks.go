package s3test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Outcome is what one update's call returned: the mark it adds to the
// object's content and its error.
type Outcome struct {
	Mark string
	Err  error
}

// ExactlyOnce checks the marks in content (space-separated) against the
// calls' outcomes: a call that returned nil has its mark there exactly
// once, one whose error is ambiguous (errors.Is) at most once, any other
// failed call not at all. It returns how many calls of each there were.
func ExactlyOnce(t testing.TB, content string, outs []Outcome, ambiguous error) (ok, amb, failed int) {
	t.Helper()
	seen := map[string]int{}
	for _, f := range strings.Fields(content) {
		seen[f]++
	}
	for _, o := range outs {
		switch {
		case o.Err == nil:
			ok++
			assert.Equal(t, 1, seen[o.Mark], "%s returned nil", o.Mark)
		case errors.Is(o.Err, ambiguous):
			amb++
			assert.LessOrEqual(t, seen[o.Mark], 1, "%s ambiguous", o.Mark)
		default:
			if failed++; failed == 1 {
				t.Logf("first failure: %v", o.Err)
			}
			assert.Equal(t, 0, seen[o.Mark], "%s failed with %v", o.Mark, o.Err)
		}
	}
	return ok, amb, failed
}
