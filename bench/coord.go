package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/s3conflict/s3conflict/internal/crowd"
)

// coordRow is one strategy in one scenario.
type coordRow struct {
	Scenario, Strategy string
	Calls, Succeeded   int
	PerSuccess         float64       // requests per successful call
	PerCall            float64       // requests per call
	Total              time.Duration // first call to last return
	P99                time.Duration // call latency
	P99After           time.Duration // Recreate: from the window's end to success
	Inversions         int
	Applied            []string // goroutine.write of each applied write, in order (race)
}

// coordination runs TestCoord (the scenarios need testing/synctest, so
// they run in a test binary) and reports both scenarios beside the
// baselines.
func coordination(e *env) (string, error) {
	var rows []coordRow
	if err := testJSON("TestCoord", "coord.out", &rows); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `The callers of one client meet the conflict model of conflicttest (internal/crowd, shared with
retry's TestCoordinationGoals), where conflicts come from what the callers do at the same time.
The SDK's real serializers run against a stub behind the model, under virtual time
(testing/synctest): one run per strategy; %s; `+"`%s`"+`. The jittered figures
(uncoordinated; s3conflict's probe in the re-create) vary a little from run to run; s3conflict's race
meets no conflict and does not. Strategies:

- **none** — the SDK's default client: a 409 is not retried.
- **terraform** — terraform-provider-aws's schedule for OperationAborted: 0.5, 1, 2, 4, 8, 10 s, no
  jitter, 2 min timeout.
- **uncoordinated** — `+"`retry.OnConflict(…NoCoordination = true)`"+`: the default backoff, every caller on
  its own.
- **s3conflict** — `+"`retry.OnConflict()`"+` with its defaults: calls that S3 serializes per bucket queue in
  the client, and a call meeting OperationAborted probes for those behind it.

### 8 goroutines × 5 configuration writes to one bucket

S3 applies one configuration write of a bucket at a time (%s each here) and answers
OperationAborted to a write that arrives meanwhile. Each goroutine makes five different writes
(versioning, tagging, policy, public access block, encryption) one after the other, goroutine g
starting g ms after the first. Serial minimum: 40 × %s = %s. Goals: ≤ 1.05 requests per write,
≤ 1.1 × the serial minimum, writes take effect in the order called (0 inversions: pairs of
writes applied in the opposite order to the one they were called in).

| strategy | writes landed | requests per landed write | total time (× serial minimum) | p99 call latency | inversions |
|---|---|---|---|---|---|
`, e.machine, e.command, ms(crowd.Apply), ms(crowd.Apply), wsecs(crowd.SerialMinimum))
	for _, r := range rows {
		if r.Scenario != "race" {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d/%d | %.2f | %s (%.2f×) | %s | %d |\n", bold(r.Strategy), r.Succeeded, r.Calls,
			r.PerSuccess, secs(r.Total), float64(r.Total)/float64(crowd.SerialMinimum), secs(r.P99), r.Inversions)
	}
	b.WriteString("\nThe first 16 writes to take effect, as goroutine.write (both from 0):\n\n")
	for _, r := range rows {
		if r.Scenario == "race" {
			fmt.Fprintf(&b, "- %s: %s\n", bold(r.Strategy), strings.Join(r.Applied[:min(16, len(r.Applied))], " "))
		}
	}
	fmt.Fprintf(&b, `
### 50 callers re-creating one name

A bucket is deleted at 0 and S3 refuses CreateBucket of its name (OperationAborted) for %s;
caller i calls CreateBucket at i × %s. Goals: ≤ 3 requests per caller on average, p99 time from
the window's end to success ≤ 0.5 s.

| strategy | success | requests per caller | p99 after the window | p99 call latency |
|---|---|---|---|---|
`, wsecs(crowd.Window), ms(crowd.Arrival))
	for _, r := range rows {
		if r.Scenario != "recreate" {
			continue
		}
		after := "—"
		if r.Succeeded > 0 {
			after = secs(r.P99After)
		}
		fmt.Fprintf(&b, "| %s | %d/%d | %.2f | %s | %s |\n", bold(r.Strategy), r.Succeeded, r.Calls, r.PerCall, after, secs(r.P99))
	}
	return b.String(), nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

func bold(strategy string) string {
	if strategy == "s3conflict" {
		return "**s3conflict**"
	}
	return strategy
}
