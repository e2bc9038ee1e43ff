package conflicttest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/internal/versitygw"
)

// VersityVersion is the versitygw release NewRealServer runs.
const VersityVersion = versitygw.Version

// RealServer is a real S3-compatible server, versitygw, running on
// 127.0.0.1 for one test, with two accounts and an Injector in front of
// every client it gives. Use it where the in-process server falls short
// (see the package documentation): bucket policies that grant another
// account access, object tagging, signatures and checksums checked.
//
// A RealServer is safe for concurrent use; so are its clients.
type RealServer struct {
	// URL is the server's endpoint, "http://127.0.0.1:PORT".
	URL string
	// Faults is in front of every client of Config, OtherConfig, Client
	// and OtherClient, on the client side: add faults or a Model to it at
	// any time. Its records show both accounts' requests.
	Faults *Injector
	// Config is a ready aws.Config for the root account (static
	// credentials, region us-east-1, the endpoint, Faults in front).
	Config aws.Config
	// OtherConfig is the same for a second account: its buckets belong
	// to someone else as far as the root account is concerned.
	OtherConfig aws.Config
}

// NewRealServer starts versitygw for t and stops it, removing its data,
// when t ends. The options WithFaults, WithSeed and WithModel apply;
// the others are for the in-process server and are ignored.
//
//	srv := conflicttest.NewRealServer(t)
//	_, _ = srv.OtherClient().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken")})
//	_, err := srv.Client(retry.OnConflict()).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("taken")})
//	// errors.Is(err, conflict.NameTaken): another account owns the name
//
// The binary is the one $S3CONFLICT_VERSITYGW names, else the one cached
// in the user cache directory ($XDG_CACHE_HOME/s3conflict/, ~/.cache/… by
// default), else built there once with `go install
// github.com/versity/versitygw/cmd/versitygw@VERSION` through the Go module
// proxy (about a minute and a half on two cores, under a file lock that
// makes parallel test processes build it once). When it cannot be had the
// test is skipped with a message saying how to get it — or fails, when
// the CI environment variable is set. Starting takes about 0.1 s.
func NewRealServer(t testing.TB, opts ...Option) *RealServer {
	t.Helper()
	o := serverOptions{seed: 1}
	for _, fn := range opts {
		fn(&o)
	}
	vgw := versitygw.StartFor(t)
	s := &RealServer{URL: vgw.URL, Faults: NewInjector(o.seed, o.faults...)}
	if o.model != nil {
		s.Faults.SetModel(*o.model)
	}
	httpClient := s.Faults.Client(awshttp.NewBuildableClient())
	s.Config, s.OtherConfig = vgw.Config(versitygw.Root), vgw.Config(versitygw.Other)
	s.Config.HTTPClient, s.OtherConfig.HTTPClient = httpClient, httpClient
	return s
}

// Client returns an S3 client of the root account: path style, Config,
// then optFns (retry.OnConflict(), precheck.Enable(), ...).
func (s *RealServer) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config, append([]func(*s3.Options){pathStyle}, optFns...)...)
}

// OtherClient returns an S3 client of the second account, as Client does.
func (s *RealServer) OtherClient(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.OtherConfig, append([]func(*s3.Options){pathStyle}, optFns...)...)
}

func pathStyle(o *s3.Options) { o.UsePathStyle = true }
