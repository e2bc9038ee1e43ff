package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// stormSweep runs TestSweep (the storms need testing/synctest, so they run
// in a test binary) and reports its results as tables and figures.
func stormSweep(e *env) (string, error) {
	var d sweepData
	if err := testJSON("TestSweep", "sweep.out", &d, fmt.Sprintf("-sweep.runs=%d", e.runs)); err != nil {
		return "", err
	}
	caption := fmt.Sprintf("%s · %s · median of %d runs per point", e.machine, e.command, e.runs)
	loadCaption := fmt.Sprintf("%s · %s · the first of %d runs (one storm, not a median)", e.machine, e.command, e.runs)
	load, sweepFig := "storm-load.svg", "storm-sweep.svg"
	if err := drawLoad(d, filepath.Join(e.out, e.figDir, load), loadCaption); err != nil {
		return "", err
	}
	if err := drawSweep(d, filepath.Join(e.out, e.figDir, sweepFig), caption); err != nil {
		return "", err
	}

	var b strings.Builder
	fmt.Fprintf(&b, `%d callers share one client and call PutBucketTagging on one bucket; S3 answers
OperationAborted from 0 until W, then 200. Every caller sends its first request 50 ms after the
window opens. The SDK's real serializers run against a stub transport, under virtual time
(testing/synctest), so a 20-second storm takes milliseconds and the machine's load does not
change the result (internal/storm, shared with retry's TestStormGoals). Strategies
(internal/baseline):

- **none** — the SDK's default client: a 409 is not retried.
- **sdk** — the SDK's standard retryer with `+"`awsretry.AddWithErrorCodes(…, \"OperationAborted\")`"+`
  (3 attempts, jittered backoff up to 20 s, one 500-token retry quota per client, 5 tokens per
  retry in the SDK measured here; in aws-sdk-go-v2 v1.48.0 a retry costs 14, so there the quota
  drains almost three times sooner).
- **sdk-10** — the same with `+"`AddWithMaxAttempts(…, 10)`"+`.
- **naive** — 3 tries, a fixed 2 s sleep, on any error whose text contains "409".
- **terraform** — terraform-provider-aws's schedule for OperationAborted: 0.5, 1, 2, 4, 8, 10 s, no
  jitter, 2 min timeout.
- **s3conflict** — `+"`retry.OnConflict()`"+` with its defaults, the queue per bucket off
  (`+"`NoCoordination`"+`): the backoff of callers that cannot coordinate, as those of separate clients or
  processes. The callers of one client queue by default: section 3b.

Overshoot is the time from the window's end to a caller's success (p50 and p99 over the callers
that succeeded; with 50 callers p99 is the latest). Busiest slice: the most callers sending
within one 100 ms slice after the first second (lockstep). Tables and the second figure: median
of %d runs per cell; the first figure: one storm (the first run). %s; `+"`%s`"+`.

![Requests per 100 ms during a %g s storm, 50 callers](%s)

![p99 overshoot and requests per caller against W, 50 callers](%s)

`, seriesCallers, e.runs, e.machine, e.command, seriesWindow.Seconds(), e.figDir+"/"+load, e.figDir+"/"+sweepFig)

	b.WriteString(goalsTable(d))
	for _, callers := range sweepCallers {
		fmt.Fprintf(&b, "\n### %d caller%s\n\n", callers, plural(callers))
		b.WriteString("| W | strategy | success | p50 overshoot | p99 overshoot | requests/caller | peak requests/100 ms | busiest slice | SDK quota left |\n")
		b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
		for _, c := range d.Cells {
			if c.Callers != callers {
				continue
			}
			ok := median(c, func(r run) int { return r.Succeeded })
			p50, p99 := "—", "—"
			if ok > 0 {
				p50 = secs(median(c, func(r run) time.Duration { return r.P50 }))
				p99 = secs(median(c, func(r run) time.Duration { return r.P99 }))
			}
			quota := "—"
			if q := median(c, func(r run) int { return r.QuotaLeft }); q >= 0 {
				quota = fmt.Sprint(q)
			}
			name := c.Strategy
			if name == "s3conflict" {
				name = "**s3conflict**"
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f%% | %s | %s | %.1f | %d | %d | %s |\n", wsecs(c.Window), name,
				100*float64(ok)/float64(callers), p50, p99,
				median(c, func(r run) float64 { return r.Requests }),
				median(c, func(r run) int { return r.Peak }),
				median(c, func(r run) int { return r.Busiest }), quota)
		}
	}
	return b.String(), nil
}

// goalsTable holds s3conflict's defaults to the goals at 50 callers.
func goalsTable(d sweepData) string {
	var b strings.Builder
	b.WriteString("### The defaults against their goals (50 callers)\n\n" +
		"Goals: every call succeeds; p99 overshoot ≤ 0.3·W + 0.5 s; requests per caller ≤ 2 × Terraform's\n" +
		"(the issue asked 1.5 ×, which no schedule can meet together with the overshoot goal: Terraform sends\n" +
		"7 requests in a 20 s storm by coming back up to 7.5 s late, and any schedule whose delay after t\n" +
		"seconds stays within 0.3·t + 0.5 s needs at least 11); at most 20 of the 50 callers (40%) in one\n" +
		"100 ms slice after the first second.\n\n")
	b.WriteString("| W | success | p99 overshoot (goal) | requests/caller (Terraform's, ratio) | busiest slice (goal ≤ 20) | Terraform's p99 overshoot |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	find := func(s string, w time.Duration) cell {
		for _, c := range d.Cells {
			if c.Strategy == s && c.Window == w && c.Callers == 50 {
				return c
			}
		}
		return cell{}
	}
	for _, w := range sweepWindows {
		o, t := find("s3conflict", w), find("terraform", w)
		if len(o.Runs) == 0 || len(t.Runs) == 0 {
			continue
		}
		oreq := median(o, func(r run) float64 { return r.Requests })
		treq := median(t, func(r run) float64 { return r.Requests })
		fmt.Fprintf(&b, "| %s | %d/50 | %s (%s) | %.1f (%.0f, %.2f×) | %d | %s |\n", wsecs(w),
			median(o, func(r run) int { return r.Succeeded }),
			secs(median(o, func(r run) time.Duration { return r.P99 })), secs(time.Duration(0.3*float64(w))+500*time.Millisecond),
			oreq, treq, oreq/treq, median(o, func(r run) int { return r.Busiest }),
			secs(median(t, func(r run) time.Duration { return r.P99 })))
	}
	return b.String()
}

func wsecs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s" }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
