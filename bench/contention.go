package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The contended-update benchmark: its command, strategies, numbers of
// writers and how many times the harness runs it.
const (
	contentionCmd = "go test -run '^$' -bench ContendedUpdate -benchtime 400x -count 1 ./internal/integration/"
	// The same for separate writers over a job five times as long: the
	// key's hand-overs at the end of a job cost the same whatever its length.
	contentionLongCmd = "go test -run '^$' -bench ContendedUpdate/separate/writers=(1|16)$ -benchtime 2000x -count 1 ./internal/integration/"
	contentionRuns    = 9
	contentionQuick   = 1
)

var (
	contentionStrategies = []string{"naive", "jittered", "separate", "shared"}
	contentionWriters    = []int{1, 4, 16}
)

// contention runs BenchmarkContendedUpdate (versitygw) several times, the
// strategies taking turns within each run, and reports the medians beside
// the goals of the conditional-writes issue.
func contention(e *env) (string, error) {
	n := contentionRuns
	if e.quick {
		n = contentionQuick
	}
	ce := *e
	ce.count = n
	raw, err := goBench(&ce, contentionCmd)
	if err != nil {
		return "", err
	}
	rate, reqs := medians(raw, "updates/s"), medians(raw, "req/update")
	key := func(s string, w int) string { return "BenchmarkContendedUpdate/" + s + "/writers=" + strconv.Itoa(w) }
	// runRatio is the median over the runs of each run's rate at 16
	// writers ÷ its rate at 1 writer: the two ran seconds apart, so a
	// change in the machine's load between runs cancels out.
	runRatio := func(raw []byte, s string) float64 {
		all := runValues(raw, "updates/s")
		one, many := all[key(s, 1)], all[key(s, 16)]
		var r []float64
		for i := range min(len(one), len(many)) {
			r = append(r, many[i]/one[i])
		}
		return middle(r)
	}
	for _, s := range contentionStrategies {
		for _, w := range contentionWriters {
			if _, ok := rate[key(s, w)]; !ok {
				return "", fmt.Errorf("no updates/s for %s in the benchmark's output", key(s, w))
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, `W writers increment one JSON counter (one key) on versitygw, the real S3 server of the tests,
400 increments in all per cell; each write is conditional (If-Match on the ETag read,
If-None-Match: "*" for the first) and the benchmark checks that the counter ends at 400.
Strategies (internal/baseline for the loops):

- **naive** — the hand-written loop: read, write, and on 412 read again and resend at once.
- **jittered** — the same loop with full-jitter exponential backoff after a lost race
  (random in [0, min(100 ms, 2 ms × 2ⁿ⁻¹)]).
- **separate** — `+"`retry.Updater`"+`, one client and one Updater per writer, as if every writer
  were its own process: nothing to combine. An Updater keeps the content of its own last write
  (64 keys, up to 64 KiB each, by default), so its next update of the key writes without reading
  first: 1 request per update while no one else writes.
- **shared** — `+"`retry.Updater`"+`, one client and one Updater for all writers: updates that queue
  behind a write in flight are combined into the next write.

`+"`%s`"+`, %s (all strategies in each run, so a change in the machine's load
falls on all of them); %s; `+"`%s`"+`.
Figures: %s. Requests per update count every HTTP request (reads, writes, retries) over the 400
committed updates. Wall-clock rates on a shared machine drift by 10–30%% between runs.

| strategy | writers | updates/s | requests per update | rate ÷ same strategy's 1-writer rate |
|---|---|---|---|---|
`, contentionCmd, times(n), e.machine, e.command, medianOf(n))
	for _, s := range contentionStrategies {
		for _, w := range contentionWriters {
			fmt.Fprintf(&b, "| %s | %d | %.0f | %.2f | %.2f× |\n", contentionName(s), w,
				rate[key(s, w)], reqs[key(s, w)], rate[key(s, w)]/rate[key(s, 1)])
		}
	}
	fmt.Fprintf(&b, "\nThe same ratio at 16 writers taken within each run (16 writers ÷ 1 writer of the same run, a few "+
		"seconds apart), then the median over the runs: naive %.2f×, jittered %.2f×, separate %.2f×, shared %.2f×.\n",
		runRatio(raw, "naive"), runRatio(raw, "jittered"), runRatio(raw, "separate"), runRatio(raw, "shared"))

	longRaw, err := goBench(&ce, contentionLongCmd)
	if err != nil {
		return "", err
	}
	longRate, longReqs := medians(longRaw, "updates/s"), medians(longRaw, "req/update")
	fmt.Fprintf(&b, `
### Separate writers: a job's end costs the same at any length

With separate writers, whoever commits keeps the key (it knows the object, so its next update is one
write) while the others watch it, with a HeadObject per wait; in BenchmarkContendedUpdate each writer
takes the next increment of the job as soon as its last one committed, so one writer makes most of
them and the others each hold one increment until the key passes to them, one by one, at the job's
end: 15 hand-overs, each a probe that finds the key's writer stopped (by the time it put on its last
write, or a short wait that saw no more writes), a read and a write. That cost does not grow with
the job; the watchers' probes slow the writer that commits a little at any length. `+"`%s`"+`, %s:

| job | 1 writer | 16 writers | 16 ÷ 1 (per run, median) | requests per update at 16 |
|---|---|---|---|---|
| 400 updates | %.0f/s | %.0f/s | %.2f× | %.2f |
| 2000 updates | %.0f/s | %.0f/s | %.2f× | %.2f |
`, contentionLongCmd, times(n),
		rate[key("separate", 1)], rate[key("separate", 16)], runRatio(raw, "separate"), reqs[key("separate", 16)],
		longRate[key("separate", 1)], longRate[key("separate", 16)], runRatio(longRaw, "separate"), longReqs[key("separate", 16)])

	var vt []contendedRow
	if err := testJSON("TestContended", "contended.out", &vt); err != nil {
		return "", err
	}
	vtRow := func(server, s string, w int) contendedRow {
		for _, r := range vt {
			if r.Server == server && r.Strategy == s && r.Writers == w {
				return r
			}
		}
		return contendedRow{}
	}
	fmt.Fprintf(&b, `
### The same job in virtual time

On versitygw the 16 writers share the machine's 2 cores with the server: every probe of a waiting
writer takes CPU from the one writer that commits, and the faster the server, the larger that share.
The same job under testing/synctest (internal/crowd.Contended), `+"`go test -run TestContended ./bench`"+`
through the harness, against two in-process servers:
- **free**: every request is answered 2 ms after it arrives, whatever else the server does: the
  protocol alone (waits, hand-overs, requests);
- **busy** (crowd.BusyServer): two requests served at a time, reads 1.8 ms and writes 3.3 ms ±50%%,
  as measured on versitygw on this machine: every request of a waiting writer delays the others.

The median of %d runs per cell, each rate ÷ the same strategy's 1-writer rate on the same server:

| server | strategy | writers | rate ÷ 1-writer rate | requests per update |
|---|---|---|---|---|
`, contendedRuns)
	for _, r := range vt {
		fmt.Fprintf(&b, "| %s | %s | %d | %.2f× | %.2f |\n", r.Server, contentionName(r.Strategy), r.Writers, r.Ratio, r.PerUpdate)
	}

	naive1 := rate[key("naive", 1)]
	sep, sep1 := rate[key("separate", 16)], rate[key("separate", 1)]
	sh, sh1 := rate[key("shared", 16)], rate[key("shared", 1)]
	b.WriteString("\n### The goals at 16 writers\n\n" +
		"From the conditional-writes issue. It does not say whose single-writer rate; both readings are\n" +
		"judged: the same strategy's rate at 1 writer, and naive's.\n\n" +
		"| goal | measured | |\n|---|---|---|\n")
	goal := func(what, measured string, ok bool) {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", what, measured, met(ok))
	}
	goal("separate: rate ≥ 75% of its own 1-writer rate", fmt.Sprintf("%.0f%% (%.0f of %.0f updates/s)",
		100*sep/sep1, sep, sep1), sep >= 0.75*sep1)
	perRun := runRatio(raw, "separate")
	goal("separate: the same, 16 ÷ 1 writer within each run (median)", fmt.Sprintf("%.0f%%", 100*perRun), perRun >= 0.75)
	goal("separate: rate ≥ 75% of naive's 1-writer rate", fmt.Sprintf("%.0f%% (%.0f of %.0f updates/s)",
		100*sep/naive1, sep, naive1), sep >= 0.75*naive1)
	goal("separate: ≤ 3 requests per update", fmt.Sprintf("%.2f", reqs[key("separate", 16)]), reqs[key("separate", 16)] <= 3)
	for _, server := range []string{"free", "busy"} {
		v16 := vtRow(server, "separate", 16)
		goal("separate, virtual time, "+server+" server: rate ≥ 75% of its own 1-writer rate",
			fmt.Sprintf("%.0f%%", 100*v16.Ratio), v16.Ratio >= 0.75)
		goal("separate, virtual time, "+server+" server: ≤ 3 requests per update",
			fmt.Sprintf("%.2f", v16.PerUpdate), v16.PerUpdate <= 3)
	}
	goal("shared: rate ≥ 3× its own 1-writer rate", fmt.Sprintf("%.2f× (%.0f vs %.0f updates/s)",
		sh/sh1, sh, sh1), sh >= 3*sh1)
	goal("shared: rate ≥ 3× naive's 1-writer rate", fmt.Sprintf("%.2f× (%.0f vs %.0f updates/s)",
		sh/naive1, sh, naive1), sh >= 3*naive1)
	goal("shared: ≤ 0.5 requests per update", fmt.Sprintf("%.2f", reqs[key("shared", 16)]), reqs[key("shared", 16)] <= 0.5)
	fmt.Fprintf(&b, "\nFor comparison at 16 writers: naive %.0f%% of its 1-writer rate with %.2f requests per update, "+
		"jittered %.0f%% with %.2f.\n", 100*rate[key("naive", 16)]/naive1, reqs[key("naive", 16)],
		100*rate[key("jittered", 16)]/rate[key("jittered", 1)], reqs[key("jittered", 16)])
	return b.String(), nil
}

// contendedRow is one cell of the virtual-time contention table: medians
// over contendedRuns runs.
type contendedRow struct {
	Server    string  // free or busy: see TestContended
	Strategy  string  // separate or shared
	Writers   int     //
	Ratio     float64 // rate ÷ the same strategy's 1-writer rate
	PerUpdate float64 // requests per committed update
}

const (
	contendedRuns    = 8
	contendedUpdates = 400
)

func contentionName(s string) string {
	if s == "separate" || s == "shared" {
		return "**" + s + "**"
	}
	return s
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func times(n int) string {
	if n == 1 {
		return "run once"
	}
	return fmt.Sprintf("run %d times", n)
}

func medianOf(n int) string {
	if n == 1 {
		return "one run (-quick: a look, not a report)"
	}
	return fmt.Sprintf("the median of the %d runs", n)
}
