package conflicttest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
)

// Credentials the in-process server's clients sign with. The server does
// not check signatures.
const (
	AccessKeyID     = "conflicttest"
	SecretAccessKey = "conflicttest-secret"
	Region          = "us-east-1"

	// A second account (OtherConfig, OtherClient): its buckets belong to
	// someone else as far as AccessKeyID is concerned.
	OtherAccessKeyID     = "conflicttest-other"
	OtherSecretAccessKey = "conflicttest-other-secret"
)

// Server is an in-process S3 server on 127.0.0.1 (or on an in-memory
// network): gofakes3 with this package's versioned store and bucket
// configuration, an Injector in front of it. The package documentation
// lists what it serves and what it does not. It answers OperationAborted
// or ConditionalRequestConflict only when a Fault or the Model says so.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT"
	// ("http://conflicttest.invalid" on the in-memory network).
	URL string
	// Faults decide what requests get instead of the real answer; add
	// faults or set a Model at any time.
	Faults *Injector
	// Config is a ready aws.Config for the server (static credentials,
	// region us-east-1, the server's endpoint).
	Config aws.Config
	// OtherConfig is the same as Config for the second account.
	OtherConfig aws.Config

	srv       *http.Server
	transport *http.Transport    // in-memory network only
	stop      context.CancelFunc // ends every request's context: Close
}

// Option configures NewServer.
type Option func(*serverOptions)

type serverOptions struct {
	seed     uint64
	faults   []Fault
	model    *Model
	backend  gofakes3.Backend
	inMemory bool
}

// WithFaults starts the server with these faults.
func WithFaults(faults ...Fault) Option {
	return func(o *serverOptions) { o.faults = append(o.faults, faults...) }
}

// WithModel starts the server with the model of S3's own conflict causes
// on (see [Model]).
func WithModel(m Model) Option { return func(o *serverOptions) { o.model = &m } }

// WithInMemoryNetwork serves without a socket: URL is
// "http://conflicttest.invalid", and the clients from Client and Config
// reach the server through in-memory connections (net.Pipe). Use it inside
// a testing/synctest bubble, where time is virtual only while no goroutine
// waits on a real socket: NewServer inside the bubble, then its clients,
// and the Model's durations, the Faults' latencies and windows and the
// retry package's backoff all pass in virtual time.
func WithInMemoryNetwork() Option { return func(o *serverOptions) { o.inMemory = true } }

// WithSeed seeds the Injector's choices for Faults with a Probability (default 1).
func WithSeed(seed uint64) Option { return func(o *serverOptions) { o.seed = seed } }

// WithBackend serves another gofakes3 backend instead of a fresh in-memory
// store. Versioning is then that backend's (gofakes3's s3mem cannot delete
// version "null").
func WithBackend(b gofakes3.Backend) Option { return func(o *serverOptions) { o.backend = b } }

// NewServer starts a server on 127.0.0.1 with a random port and stops it
// when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("conflicttest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (an example program, a demo); Close
// stops it.
func Start(opts ...Option) (*Server, error) {
	o := serverOptions{seed: 1}
	for _, fn := range opts {
		fn(&o)
	}
	if o.backend == nil {
		o.backend = newStore()
	}
	faker := gofakes3.New(o.backend, gofakes3.WithLogger(gofakes3.DiscardLog()),
		gofakes3.WithMetadataSizeLimit(0)) // route.go limits user metadata as S3 does
	s := &Server{Faults: NewInjector(o.seed, o.faults...)}
	if o.model != nil {
		s.Faults.SetModel(*o.model)
	}
	var ln net.Listener
	if o.inMemory {
		mem := newMemListener()
		ln, s.URL, s.transport = mem, "http://conflicttest.invalid", mem.transport()
	} else {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("listening on 127.0.0.1: %w", err)
		}
		s.URL = "http://" + ln.Addr().String()
	}
	base, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.srv = &http.Server{Handler: s.Faults.Handler(newBucketConfig(faker.Server(), o.backend)), ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return base }}
	go func() { _ = s.srv.Serve(ln) }()
	s.Config = aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.URL),
	}
	if s.transport != nil {
		s.Config.HTTPClient = &http.Client{Transport: s.transport}
	}
	s.OtherConfig = s.Config.Copy()
	s.OtherConfig.Credentials = credentials.NewStaticCredentialsProvider(OtherAccessKeyID, OtherSecretAccessKey, "")
	return s, nil
}

// Close stops the server and closes its connections at once.
func (s *Server) Close() {
	s.stop() // requests held by a Fault's latency or the Model end now
	_ = s.srv.Close()
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
}

// Client returns an S3 client for the server: path style, the server's
// Config, then optFns (retry.OnConflict(), precheck.Enable(), ...).
func (s *Server) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.Config, append([]func(*s3.Options){pathStyle}, optFns...)...)
}

// OtherClient returns an S3 client of the second account, as Client does.
func (s *Server) OtherClient(optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(s.OtherConfig, append([]func(*s3.Options){pathStyle}, optFns...)...)
}
