package integration

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/retry"
)

// What a chaos run did, for its summary.

func (c *chaos) count(op string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts[op] == nil {
		c.counts[op] = new([3]int)
	}
	c.counts[op][outcomeOf(err)]++
	if err != nil {
		c.errs[op+": "+errClass(err)]++
	}
}

func (c *chaos) tallyUnknown(class string, landed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unknowns[class] == nil {
		c.unknowns[class] = new([2]int)
	}
	if landed {
		c.unknowns[class][1]++
	} else {
		c.unknowns[class][0]++
	}
}

// errClass names an error for the summary: the S3 code, ambiguous, or
// the transport's failure.
func errClass(err error) string {
	switch {
	case errors.Is(err, retry.ErrAmbiguousWrite):
		return "ambiguous"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	if code := s3err.Code(err); code != "" {
		return code
	}
	if k := conflict.Classify(err); k != conflict.None {
		return k.String()
	}
	if errors.As(err, new(*retry.ClaimLost)) {
		return "claim lost"
	}
	return "transport"
}

func (c *chaos) summary(t *testing.T, f *front, n int, ran, total time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d operations by %d goroutines in %v (verified after %v)\n", c.seed, n, chaosWorkers,
		ran.Round(time.Millisecond), total.Round(time.Millisecond))
	fmt.Fprintf(&b, "  %-17s %6s %6s %6s %8s\n", "operation", "ok", "lost", "error", "total")
	for _, name := range slices.Sorted(maps.Keys(c.counts)) {
		o := c.counts[name]
		fmt.Fprintf(&b, "  %-17s %6d %6d %6d %8d\n", name, o[acked], o[lostRace], o[unknown], o[0]+o[1]+o[2])
	}
	reqs, faults := f.faults()
	fmt.Fprintf(&b, "  requests %d; faults:", reqs)
	for _, k := range slices.Sorted(maps.Keys(faults)) {
		fmt.Fprintf(&b, " %s %d;", k, faults[k])
	}
	b.WriteString("\n  errors:")
	for _, e := range slices.Sorted(maps.Keys(c.errs)) {
		fmt.Fprintf(&b, " %s %d;", e, c.errs[e])
	}
	b.WriteString("\n  shared-key writes of unknown outcome, landed/not:")
	for _, u := range slices.Sorted(maps.Keys(c.unknowns)) {
		fmt.Fprintf(&b, " %s %d/%d;", u, c.unknowns[u][1], c.unknowns[u][0])
	}
	fmt.Fprintf(&b, "\n  ambiguous, although the write had landed and nobody else writes the key: %d %.10v",
		len(c.unprovenIDs), c.unprovenIDs)
	fmt.Fprintf(&b, "\n  discrepancies: %d", len(c.bad.all()))
	t.Log(b.String())
}
