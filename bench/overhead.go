package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// noConflict runs the retry package's no-conflict benchmarks with -count
// and lets benchstat judge the differences.
func noConflict(e *env) (string, error) {
	var b strings.Builder
	whole := "go test -run '^$' -bench '^Benchmark(PutObject|HeadObject)$' -count 1 ./retry"
	fast := "go test -run '^$' -bench '^BenchmarkFastPath$' -count 1 ./retry"
	b.WriteString("A whole call against a stub transport that runs the SDK's real serializers, on a bare client\n" +
		"(the baseline), on one with an empty middleware where OnConflict goes (what the SDK's stack\n" +
		"charges for any middleware), and with `retry.OnConflict()`. Then the middleware alone against\n" +
		"an empty one. `~` means benchstat finds no significant difference (p ≥ 0.05). Time on a\n" +
		"shared machine drifts by 10–30% between runs, so a time difference of that size in either\n" +
		"direction is the machine, whatever its p; B/op and allocs/op do not drift.\n\n")
	ns := map[string]float64{}
	for _, m := range []struct{ cmd, col, what string }{
		{whole, "/client", "Whole call"},
		{fast, "/mw", "The middleware alone"},
	} {
		raw, err := goBench(e, m.cmd)
		if err != nil {
			return "", err
		}
		for k, v := range medianNs(raw) {
			ns[k] = v
		}
		stat, err := benchstat(raw, m.col)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "**%s** — `%s >> new.txt` %d times (the clients take turns, so a change in the machine's\n"+
			"load falls on all of them), then `go tool -modfile=bench/go.mod benchstat -col %s new.txt`; %s;\n"+
			"medians with 95%% confidence intervals:\n\n```\n%s```\n\n", m.what, m.cmd, e.count, m.col, e.machine, stat)
	}
	for _, op := range []string{"PutObject", "HeadObject"} {
		add := ns["BenchmarkFastPath/"+op+"/mw=onconflict"] - ns["BenchmarkFastPath/"+op+"/mw=empty"]
		call := ns["Benchmark"+op+"/client=bare"]
		if call > 0 {
			fmt.Fprintf(&b, "%s: OnConflict's middleware takes %.0f ns more than an empty one, %.3f%% of a whole call "+
				"(%.0f µs on a bare client); medians of the %d runs.\n", op, add, 100*add/call, call/1000, e.count)
		}
	}
	return b.String(), nil
}

// medianNs returns the median ns/op of each benchmark in go test output.
func medianNs(raw []byte) map[string]float64 { return medians(raw, "ns/op") }

// medians returns the median of the metric in unit (ns/op, or one of
// b.ReportMetric) of each benchmark in go test output (the mean of the
// middle two for an even count, as benchstat), the GOMAXPROCS suffix
// dropped.
func medians(raw []byte, unit string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range runValues(raw, unit) {
		out[k] = middle(v)
	}
	return out
}

// runValues returns each benchmark's values of unit in raw, in the order
// of the runs.
func runValues(raw []byte, unit string) map[string][]float64 {
	all := map[string][]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > strings.LastIndexByte(name, '=') {
			name = name[:i]
		}
		for i := 2; i+1 < len(f); i += 2 { // value unit pairs after the iterations
			if f[i+1] != unit {
				continue
			}
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				all[name] = append(all[name], v)
			}
		}
	}
	return all
}

// middle is the median of v (the mean of the middle two for an even count); v is
// sorted in place.
func middle(v []float64) float64 {
	slices.Sort(v)
	return (v[(len(v)-1)/2] + v[len(v)/2]) / 2
}

// goBench runs a go test benchmark command e.count times in the
// repository root and returns the outputs one after another.
func goBench(e *env, cmd string) ([]byte, error) {
	args := strings.Fields(strings.ReplaceAll(cmd, "'", ""))
	var all []byte
	for range e.count {
		c := exec.Command(args[0], args[1:]...)
		c.Dir = e.root
		c.Stderr = os.Stderr
		out, err := c.Output()
		if err != nil {
			// The benchmark's own words (a b.Fatalf, a failed update)
			// are on its standard output.
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			return nil, fmt.Errorf("%s: %w\n%s", cmd, err, strings.Join(lines[max(0, len(lines)-20):], "\n"))
		}
		all = append(all, out...)
	}
	return all, nil
}

// benchstat runs the benchstat tool of this module over raw results.
func benchstat(raw []byte, col string) (string, error) {
	dir, err := os.MkdirTemp("", "bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	f := filepath.Join(dir, "results.txt")
	if err := os.WriteFile(f, raw, 0o644); err != nil {
		return "", err
	}
	c := exec.Command("go", "tool", "benchstat", "-col", col, f)
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return "", fmt.Errorf("benchstat: %w", err)
	}
	// benchstat names the input file in its header; the path is a temp one.
	return string(bytes.ReplaceAll(out, []byte(f), []byte("results"))), nil
}
