// Package exampleenv gives the programs under examples/ the S3 endpoint they
// run against, so that each program's main.go is its story alone: the
// endpoint the standard AWS environment names (AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL, credentials and region as the SDK reads them), or else an
// in-process S3 server (conflicttest.Start). Their tests hand in the server
// they start (conflicttest.NewServer, conflicttest.NewRealServer).
//
// Users must not import it: it is what every example needs and none is about.
package exampleenv

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3err"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/precheck"
)

// Env is one S3 endpoint and what an example may do with it. It is safe
// for concurrent use.
type Env struct {
	// Name says where the story runs, for its first line.
	Name string
	// Faults sees every request of the clients Client and OtherClient
	// make, and answers with its faults and model: the server's own
	// injector in-process, a client-side one in front of any other
	// endpoint. Its records say what happened.
	Faults *conflicttest.Injector

	cfg       aws.Config
	other     *aws.Config // a second account, when the endpoint has one
	pathStyle bool
	wrap      bool // put Faults in front of the clients' HTTP client
	close     func()
}

// Open returns the endpoint the standard AWS environment names when
// AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) is set, and else starts an
// in-process server. Close it when done.
func Open(ctx context.Context) (*Env, error) {
	if e, ok, err := fromEnvironment(ctx); ok || err != nil {
		return e, err
	}
	srv, err := conflicttest.Start()
	if err != nil {
		return nil, err
	}
	e := InProcess(srv)
	e.close = srv.Close
	return e, nil
}

// OpenReal is Open for a story the in-process server cannot tell (Object
// Lock enforced, a second account): without an endpoint in the
// environment it starts versitygw on 127.0.0.1, building it once into the
// user cache directory when it is missing (about a minute and a half); the
// caller is its plain user account, and root plays the stranger (see Real).
func OpenReal(ctx context.Context) (*Env, error) {
	if e, ok, err := fromEnvironment(ctx); ok || err != nil {
		return e, err
	}
	fmt.Fprintln(os.Stderr, "starting versitygw, a real S3 server, on 127.0.0.1 (the first run builds it: about a minute and a half)")
	if _, err := versitygw.Binary(); err != nil {
		return nil, fmt.Errorf("this example needs a real S3 server and none could be had: %w", err)
	}
	srv, err := versitygw.Start()
	if err != nil {
		return nil, err
	}
	root := srv.Config(versitygw.Root)
	return &Env{Name: "versitygw " + versitygw.Version + " at " + srv.URL, Faults: conflicttest.NewInjector(1),
		cfg: srv.Config(versitygw.Other), other: &root, pathStyle: true, wrap: true, close: srv.Stop}, nil
}

func fromEnvironment(ctx context.Context) (*Env, bool, error) {
	ep := os.Getenv("AWS_ENDPOINT_URL_S3")
	if ep == "" {
		ep = os.Getenv("AWS_ENDPOINT_URL")
	}
	if ep == "" {
		return nil, false, nil
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, true, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return &Env{Name: ep, Faults: conflicttest.NewInjector(1), cfg: cfg,
		pathStyle: !strings.Contains(ep, "amazonaws.com"), wrap: true}, true, nil
}

// InProcess is the endpoint of an in-process server (conflicttest.NewServer
// in a test, conflicttest.Start in a program). Closing the Env leaves the
// server running.
func InProcess(srv *conflicttest.Server) *Env {
	return &Env{Name: "the in-process S3 server at " + srv.URL, Faults: srv.Faults,
		cfg: srv.Config, pathStyle: true}
}

// Real is the endpoint of a versitygw started for a test. The caller is its
// plain user account (OtherConfig): the root account is an administrator,
// which sees every bucket in its ListBuckets, as no AWS account does — it
// plays the stranger (OtherClient).
func Real(srv *conflicttest.RealServer) *Env {
	root := srv.Config
	return &Env{Name: "versitygw at " + srv.URL, Faults: srv.Faults, cfg: srv.OtherConfig, other: &root, pathStyle: true}
}

// Admin returns the same endpoint with its administrator as the caller,
// where the endpoint has one apart from the caller (versitygw's root, which
// holds every permission, s3:BypassGovernanceRetention included); else e.
// Closing it closes nothing.
func (e *Env) Admin() *Env {
	if e.other == nil {
		return e
	}
	a := *e
	a.cfg, a.other, a.close = *e.other, nil, nil
	a.Name += " (as its administrator)"
	return &a
}

// Close stops what Open started.
func (e *Env) Close() {
	if e.close != nil {
		e.close()
	}
}

// Client returns a client of the caller's account, Faults in front, then
// optFns (retry.OnConflict(), precheck.Enable(), ...).
func (e *Env) Client(optFns ...func(*s3.Options)) *s3.Client {
	return e.client(e.cfg, optFns)
}

// HasOther says whether the endpoint has a second account (OtherClient).
func (e *Env) HasOther() bool { return e.other != nil }

// OtherClient returns a client of a second account, or nil when the
// endpoint has none (the in-process server has one identity).
func (e *Env) OtherClient(optFns ...func(*s3.Options)) *s3.Client {
	if e.other == nil {
		return nil
	}
	return e.client(*e.other, optFns)
}

func (e *Env) client(cfg aws.Config, optFns []func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.UsePathStyle = e.pathStyle
		if e.wrap {
			o.HTTPClient = e.Faults.Client(o.HTTPClient)
		}
	}}, optFns...)...)
}

// Remove deletes a bucket an example created, with every version, delete
// marker and incomplete upload in it (precheck's EmptyFirst), on a fresh
// context: cleanup runs even when the story's context has ended. A bucket
// that is already gone is no error.
func (e *Env) Remove(bucket string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := e.Client(precheck.Enable(func(o *precheck.Options) { o.EmptyFirst = true }))
	_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket})
	if s3err.Code(err) == "NoSuchBucket" {
		return nil
	}
	return err
}

// Main runs an example's story against Open's endpoint (OpenReal's when
// real) with a time limit, and exits 1 with the error when it fails.
func Main(name string, real bool, limit time.Duration, story func(ctx context.Context, e *Env, w io.Writer) error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	var e *Env
	var err error
	if real {
		e, err = OpenReal(ctx)
	} else {
		e, err = Open(ctx)
	}
	if err == nil {
		err = story(ctx, e, os.Stdout)
		e.Close()
	}
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}
