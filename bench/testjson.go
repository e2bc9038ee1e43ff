package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// testJSON runs the test named test of this package (a measurement that
// needs testing/synctest, so it runs in a test binary), passing it
// -flag=FILE and more args, and decodes the JSON it wrote to FILE into v.
func testJSON(test, flag string, v any, args ...string) error {
	dir, err := os.MkdirTemp("", test)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "out.json")
	c := exec.Command("go", append([]string{"test", "-count=1", "-run", "^" + test + "$", ".", "-args", "-" + flag + "=" + out}, args...)...)
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s: %w", test, err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
