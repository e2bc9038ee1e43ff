package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// noConflict runs the retry package's no-conflict benchmarks with -count
// and lets benchstat judge the differences.
func noConflict(e *env) (string, error) {
	var b strings.Builder
	whole := fmt.Sprintf("go test -run '^$' -bench '^Benchmark(PutObject|HeadObject)$' -count %d ./retry", e.count)
	fast := fmt.Sprintf("go test -run '^$' -bench '^BenchmarkFastPath$' -count %d ./retry", e.count)
	b.WriteString("A whole call against a stub transport that runs the SDK's real serializers, on a bare client\n" +
		"(the baseline), on one with an empty middleware where OnConflict goes (what the SDK's stack\n" +
		"charges for any middleware), and with `retry.OnConflict()`. Then the middleware alone against\n" +
		"an empty one. `~` means benchstat finds no significant difference (p ≥ 0.05). Time on a\n" +
		"shared machine drifts by 10–30% between runs, so a time difference of that size in either\n" +
		"direction is the machine, whatever its p; B/op and allocs/op do not drift.\n\n")
	for _, m := range []struct{ cmd, col, what string }{
		{whole, "/client", "Whole call"},
		{fast, "/mw", "The middleware alone"},
	} {
		raw, err := goBench(e, m.cmd)
		if err != nil {
			return "", err
		}
		stat, err := benchstat(raw, m.col)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "**%s** — `%s > new.txt`, then `go tool -modfile=bench/go.mod benchstat -col %s new.txt`; "+
			"%s; %d runs each, medians with 95%% confidence intervals:\n\n```\n%s```\n\n", m.what, m.cmd, m.col, e.machine, e.count, stat)
	}
	return b.String(), nil
}

// goBench runs a go test benchmark command in the repository root.
func goBench(e *env, cmd string) ([]byte, error) {
	args := strings.Fields(strings.ReplaceAll(cmd, "'", ""))
	c := exec.Command(args[0], args[1:]...)
	c.Dir = e.root
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return out, nil
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
