package integration

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

// front is the fault front in the clients' HTTP path: a connection reset
// before a request reaches the server (2% of requests), else the request
// goes to one of two conflicttest Injectors — one for conditional writes
// (If-Match, If-None-Match: ConditionalRequestConflict 8%, 412 3%, 500 4%,
// lost response 8%), one for everything else (OperationAborted 10% where
// S3 sends it: CreateBucket, configuration writes, UploadPart; 500 4%;
// lost response 5%). Each share is drawn among the requests the faults
// before it left, from seeded sources. No 412 is ever injected into a
// request without a condition, and no latency is added.
type front struct {
	cond, plain *conflicttest.Injector
	mu          sync.Mutex
	rng         *rand.Rand
	resets      int
}

func newFront(seed uint64) *front {
	f := &front{rng: rand.New(rand.NewPCG(seed, 0xfa17)),
		cond: conflicttest.NewInjector(seed,
			conflicttest.Fault{Code: "ConditionalRequestConflict", Probability: 0.08},
			conflicttest.Fault{Status: 412, Code: "PreconditionFailed", Probability: 0.03},
			conflicttest.Fault{Status: 500, Code: "InternalError", Probability: 0.04},
			conflicttest.Fault{LoseResponse: true, Probability: 0.08}),
		plain: conflicttest.NewInjector(seed + 1)}
	for _, op := range []string{"CreateBucket", "PutBucketTagging", "DeleteBucketTagging", "PutBucketVersioning",
		"PutObjectTagging", "UploadPart"} {
		f.plain.Add(conflicttest.Fault{Operation: op, Code: "OperationAborted", Probability: 0.1})
	}
	f.plain.Add(conflicttest.Fault{Status: 500, Code: "InternalError", Probability: 0.04})
	f.plain.Add(conflicttest.Fault{LoseResponse: true, Probability: 0.05})
	return f
}

// resetShare is the share of requests answered by a connection reset
// before they reach the server.
const resetShare = 0.02

func (f *front) install(o *s3.Options) {
	next := o.HTTPClient
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	cond, plain := f.cond.Client(next), f.plain.Client(next)
	o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
		f.mu.Lock()
		reset := f.rng.Float64() < resetShare
		if reset {
			f.resets++
		}
		f.mu.Unlock()
		if reset {
			if r.Body != nil {
				_ = r.Body.Close()
			}
			return nil, &url.Error{Op: r.Method, URL: r.URL.String(),
				Err: &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.ECONNRESET)}}
		}
		if r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != "" {
			return cond.Do(r)
		}
		return plain.Do(r)
	})
}

// faults counts the requests that reached the injectors and the faults
// served, by kind.
func (f *front) faults() (requests int, by map[string]int) {
	by = map[string]int{}
	for _, in := range []*conflicttest.Injector{f.cond, f.plain} {
		for _, r := range in.Records() {
			requests++
			switch {
			case r.Lost:
				by["lost-response"]++
			case r.Injected:
				by[fmt.Sprintf("%s-%d", r.Code, r.Status)]++
			}
		}
	}
	f.mu.Lock()
	by["connection-reset"] = f.resets
	f.mu.Unlock()
	return requests + by["connection-reset"], by
}
