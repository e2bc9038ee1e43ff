package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine describes where the report ran: CPU model, cores, OS and Go.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.Join(strings.Fields(v), " ")
				break
			}
		}
	}
	gov := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		gov = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s, %d cores, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, gov)
}

// sdkVersions names the SDK modules the harness ran with: the library's
// floors, since bench/go.mod asks for nothing newer.
func sdkVersions() string {
	out, err := exec.Command("go", "list", "-m", "github.com/aws/aws-sdk-go-v2",
		"github.com/aws/aws-sdk-go-v2/service/s3", "github.com/aws/smithy-go").Output()
	if err != nil {
		return "SDK versions unknown"
	}
	var mods []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		mods = append(mods, strings.TrimPrefix(line, "github.com/aws/"))
	}
	return strings.Join(mods, ", ")
}
