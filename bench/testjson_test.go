package main

import (
	"encoding/json"
	"os"
	"testing"
)

// writeJSON writes v as JSON to path, for testJSON; with no path, nothing.
func writeJSON(t testing.TB, path string, v any) {
	if path == "" {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
