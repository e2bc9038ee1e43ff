// Package versitygw obtains and starts versitygw, a real S3-compatible
// server (Apache-2.0), on 127.0.0.1 for this module's tests, examples and
// benchmarks.
//
// The binary is looked up in this order: $S3CONFLICT_VERSITYGW (a path to
// the binary); the cache, $XDG_CACHE_HOME/s3conflict/versitygw-v1.8.0/
// (~/.cache/… by default); and otherwise built into the cache with `go
// install github.com/versity/versitygw/cmd/versitygw@v1.8.0` (about a minute
// or two on two cores, through the Go module proxy), once per machine,
// under a file lock so that parallel test processes build it once.
package versitygw

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

const module = "github.com/versity/versitygw/cmd/versitygw"

// Account is a set of credentials on the server.
type Account struct{ AccessKey, SecretKey string }

// The accounts every server has: Root, and Other, a second account whose
// buckets belong to someone else as far as Root is concerned.
var (
	Root  = Account{"s3conflict-root", "s3conflict-root-secret"}
	Other = Account{"s3conflict-other", "s3conflict-other-secret"}
)

// Server is a running versitygw.
type Server struct {
	URL      string // http://127.0.0.1:PORT
	AdminURL string
	Dir      string // the server's data, removed by Stop
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Binary returns the path of a versitygw binary, building it into the cache
// when it is missing.
func Binary() (string, error) {
	if p := os.Getenv("S3CONFLICT_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("versitygw: S3CONFLICT_VERSITYGW: %w", err)
		}
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("versitygw: no cache directory: %w", err)
	}
	dir := filepath.Join(cache, "s3conflict", "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("versitygw: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("versitygw: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("versitygw: locking the cache: %w", err)
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil // another process built it while we waited
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			return "", errors.New("versitygw: no go command to build it with")
		}
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", fmt.Errorf("versitygw: %w", err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", module+"@"+Version)
	cmd.Dir = tmp // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("versitygw: go install %s@%s: %w\n%s", module, Version, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", fmt.Errorf("versitygw: %w", err)
	}
	fmt.Fprintf(os.Stderr, "versitygw: built %s in %v\n", bin, time.Since(start).Round(time.Second))
	return bin, nil
}

// Start obtains the binary and starts a server on free loopback ports with
// the posix backend, a versioning directory, and the accounts Root and
// Other. Call Stop when done.
func Start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "s3conflict-versitygw-")
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			_ = os.RemoveAll(dir) // Stop removes it once the server runs
		}
	}()
	for _, d := range []string{"iam", "versions", "data"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	aport, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:      "http://127.0.0.1:" + strconv.Itoa(port),
		AdminURL: "http://127.0.0.1:" + strconv.Itoa(aport),
		Dir:      dir,
		exited:   make(chan struct{}),
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	s.cmd = exec.Command(bin,
		"--port", "127.0.0.1:"+strconv.Itoa(port),
		"--admin-port", "127.0.0.1:"+strconv.Itoa(aport),
		"--access", Root.AccessKey, "--secret", Root.SecretKey,
		"--region", "us-east-1",
		"--iam-dir", filepath.Join(dir, "iam"),
		"--health", "/health", "--quiet",
		"posix", "--versioning-dir", filepath.Join(dir, "versions"), filepath.Join(dir, "data"))
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the tests
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("versitygw: starting %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); logf.Close(); close(s.exited) }()
	started = true
	if err := s.waitHealthy(30 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	admin := exec.Command(bin, "admin", "--access", Root.AccessKey, "--secret", Root.SecretKey,
		"--endpoint-url", s.AdminURL, "create-user", "--access", Other.AccessKey, "--secret", Other.SecretKey, "--role", "userplus")
	if out, err := admin.CombinedOutput(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("versitygw: creating the second account: %w\n%s", err, out)
	}
	return s, nil
}

func (s *Server) waitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			return fmt.Errorf("versitygw exited at start: %s", strings.TrimSpace(string(log)))
		default:
		}
		resp, err := http.Get(s.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("versitygw: not healthy after %v", limit)
}

// Stop ends the server and removes its directories.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	_ = os.RemoveAll(s.Dir)
}

// Config returns an aws.Config for an account on the server.
func (s *Server) Config(a Account) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(a.AccessKey, a.SecretKey, ""),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Client returns a path-style S3 client for an account, then optFns.
func (s *Server) Client(a Account, optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config(a), append([]func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}, optFns...)...)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Main is for a package's TestMain: it starts a server, runs the tests with
// it, stops it, and returns the exit code. When the server cannot be had,
// the tests run with a nil server (those that need it skip themselves
// through Need) — except under CI (CI set), where that is a failure.
func Main(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "versitygw is required under CI: %v\n", err)
			return 1
		}
		startErr = err
		return m.Run()
	}
	*srv = s
	defer s.Stop()
	return m.Run()
}

var startErr error

// Need skips t when no server is running, saying how to get one.
func Need(t testing.TB, s *Server) {
	t.Helper()
	if s == nil {
		unavailable(t, startErr)
	}
}

// StartFor starts a server for one test and stops it when the test ends.
// When the server cannot be had, the test is skipped — except under CI (CI
// set), where it fails.
func StartFor(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(s.Stop)
	return s
}

// unavailable skips t, or fails it under CI, saying how to get a server.
func unavailable(t testing.TB, err error) {
	t.Helper()
	const how = "the tests build it with `go install %s@%s` through the Go module proxy, or set S3CONFLICT_VERSITYGW to a versitygw binary"
	if os.Getenv("CI") != "" {
		t.Fatalf("versitygw %s is required under CI: %v; "+how, Version, err, module, Version)
	}
	t.Skipf("versitygw %s is not available (%v); "+how, Version, err, module, Version)
}
