package conflicttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Fault is one rule of an Injector: which requests it matches and what
// they get instead of (or in addition to) the real answer. Zero fields
// match anything and add nothing.
type Fault struct {
	// Operation is the S3 operation to match, as the API model names it
	// ("PutBucketTagging"); empty: every operation.
	Operation string
	// Bucket and Key are path.Match patterns ("logs-*"); empty: any.
	Bucket, Key string

	// Status and Code make the answer: an S3 XML error document with Code,
	// x-amz-request-id and x-amz-id-2. Code alone implies status 409;
	// Status alone sends a body-less error. Neither: the request goes to
	// the backend (useful with Latency or LoseResponse).
	Status int
	Code   string

	// Times limits the fault to its first N matching requests; 0: no limit.
	Times int
	// Probability, when in (0, 1), applies the fault to that share of the
	// matching requests, drawn from the Injector's seeded source.
	Probability float64
	// Window limits the fault to this long after its first match; 0: no limit.
	Window time.Duration
	// Latency delays the answer (injected or real) by this much.
	Latency time.Duration
	// LoseResponse lets the request reach the backend and then drops the
	// response and closes the connection: the write happened, the client
	// never hears of it (and the SDK's own retryer resends it).
	LoseResponse bool

	matched int
	first   time.Time
}

// Record is one request the Injector saw, with what was answered.
type Record struct {
	Time      time.Time
	Operation string
	Method    string
	Bucket    string
	Key       string
	Status    int    // the status the client was sent; 0 when the response was lost
	Code      string // the S3 error code, when the answer was an error
	Injected  bool   // the answer came from a Fault, not the backend
	Lost      bool   // the backend's response was dropped
}

// Injector applies Faults to S3 requests: in front of a server with
// Handler, or in the client with Client. It is safe for concurrent use.
type Injector struct {
	mu      sync.Mutex
	faults  []*Fault
	rng     *rand.Rand
	records []Record
	reqID   int
}

// NewInjector returns an Injector with the given faults, drawing
// probabilities from a source seeded with seed (the same seed gives the
// same choices for the same sequence of requests).
func NewInjector(seed uint64, faults ...Fault) *Injector {
	in := &Injector{rng: rand.New(rand.NewPCG(seed, seed^0x5c0f1c7))}
	for _, f := range faults {
		in.Add(f)
	}
	return in
}

// Add appends a fault. Faults are tried in the order they were added; the
// first that applies to a request decides its fate.
func (in *Injector) Add(f Fault) {
	if f.Code != "" && f.Status == 0 {
		f.Status = http.StatusConflict
	}
	f.matched, f.first = 0, time.Time{}
	in.mu.Lock()
	in.faults = append(in.faults, &f)
	in.mu.Unlock()
}

// Reset removes every fault and forgets the records.
func (in *Injector) Reset() {
	in.mu.Lock()
	in.faults, in.records = nil, nil
	in.mu.Unlock()
}

// Records returns a copy of what was served so far, in order.
func (in *Injector) Records() []Record {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Record(nil), in.records...)
}

// Count returns how many recorded requests were for operation op ("" for
// all).
func (in *Injector) Count(op string) int {
	n := 0
	for _, r := range in.Records() {
		if op == "" || r.Operation == op {
			n++
		}
	}
	return n
}

// decision is what happens to one request.
type decision struct {
	op, bucket, key string
	status          int
	code            string
	latency         time.Duration
	lose            bool
	requestID       string
}

func (in *Injector) decide(r *http.Request) decision {
	bucket, key := target(r)
	d := decision{bucket: bucket, key: key}
	d.op = Operation(r.Method, bucket, key, r.URL.Query(), r.Header)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.reqID++
	d.requestID = fmt.Sprintf("CT%08X", in.reqID)
	now := time.Now()
	for _, f := range in.faults {
		if !f.match(d.op, bucket, key) {
			continue
		}
		if f.Times > 0 && f.matched >= f.Times {
			continue
		}
		if f.Window > 0 && !f.first.IsZero() && now.Sub(f.first) >= f.Window {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && in.rng.Float64() >= f.Probability {
			continue
		}
		if f.first.IsZero() {
			f.first = now
		}
		f.matched++
		d.status, d.code, d.latency, d.lose = f.Status, f.Code, f.Latency, f.LoseResponse
		break
	}
	return d
}

func (f *Fault) match(op, bucket, key string) bool {
	if f.Operation != "" && f.Operation != op {
		return false
	}
	if f.Bucket != "" {
		if ok, _ := path.Match(f.Bucket, bucket); !ok {
			return false
		}
	}
	if f.Key != "" {
		if ok, _ := path.Match(f.Key, key); !ok {
			return false
		}
	}
	return true
}

func (in *Injector) record(d decision, method string, status int, code string, injected, lost bool) {
	in.mu.Lock()
	in.records = append(in.records, Record{Time: time.Now(), Operation: d.op, Method: method, Bucket: d.bucket,
		Key: d.key, Status: status, Code: code, Injected: injected, Lost: lost})
	in.mu.Unlock()
}

// errorBody is the S3 XML error document for an injected answer.
func errorBody(code, resource, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>injected by conflicttest</Message><Resource>")
	_ = xml.EscapeText(&b, []byte(resource))
	b.WriteString("</Resource><RequestId>" + requestID + "</RequestId><HostId>host-" + requestID + "</HostId></Error>")
	return b.Bytes()
}

func resource(d decision) string {
	if d.key != "" {
		return "/" + d.bucket + "/" + d.key
	}
	return "/" + d.bucket
}

// answer returns the headers and body of an injected answer: an S3 XML
// error document (none for HEAD) with request IDs.
func (d decision) answer(method string) (http.Header, []byte) {
	h := http.Header{}
	h.Set("X-Amz-Request-Id", d.requestID)
	h.Set("X-Amz-Id-2", "host-"+d.requestID)
	h.Set(injectedHeader, "1")
	var body []byte
	if d.code != "" && method != http.MethodHead {
		body = errorBody(d.code, resource(d), d.requestID)
		h.Set("Content-Type", "application/xml")
	}
	return h, body
}

// injectedHeader is set on every injected answer so that a reader of a
// capture can tell it from a real one.
const injectedHeader = "X-Conflicttest-Injected"

// Handler returns next with the faults in front of it: an http.Handler to
// serve in place of the real server.
func (in *Injector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := in.decide(r)
		if !wait(r.Context(), d.latency) {
			return
		}
		switch {
		case d.status != 0:
			_, _ = io.Copy(io.Discard, r.Body)
			h, body := d.answer(r.Method)
			for k, v := range h {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(d.status)
			_, _ = w.Write(body)
			in.record(d, r.Method, d.status, d.code, true, false)
		case d.lose:
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			in.record(d, r.Method, 0, "", false, true)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // the server closes the connection without an answer
		default:
			rec := &recorder{header: w.Header(), w: w}
			next.ServeHTTP(rec, r)
			in.record(d, r.Method, rec.statusOr200(), rec.code(), false, false)
		}
	})
}

// recorder passes an answer through (w non-nil) or swallows it, keeping
// the status and the start of an error body.
type recorder struct {
	header http.Header
	w      http.ResponseWriter
	status int
	head   []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		return
	}
	r.status = status
	if r.w != nil {
		r.w.WriteHeader(status)
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.status >= 300 && len(r.head) < 1024 {
		r.head = append(r.head, p[:min(len(p), 1024-len(r.head))]...)
	}
	if r.w == nil {
		return len(p), nil
	}
	return r.w.Write(p)
}

func (r *recorder) Flush() {
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) statusOr200() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *recorder) code() string { return codeOf(r.head) }

// codeOf reads <Code> from the start of an S3 error document.
func codeOf(b []byte) string {
	_, rest, ok := bytes.Cut(b, []byte("<Code>"))
	if !ok {
		return ""
	}
	code, _, ok := bytes.Cut(rest, []byte("</Code>"))
	if !ok {
		return ""
	}
	return string(code)
}

// HTTPClient is what the S3 client sends requests with
// (s3.Options.HTTPClient).
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Client wraps an S3 client's HTTP client with the faults, so that
// conflicts can be injected against any endpoint — a real server, or AWS
// over TLS — without touching it or the request signing:
//
//	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
//		o.HTTPClient = injector.Client(o.HTTPClient)
//	})
//
// next nil means http.DefaultClient.
func (in *Injector) Client(next HTTPClient) HTTPClient {
	if next == nil {
		next = http.DefaultClient
	}
	return clientFunc(func(r *http.Request) (*http.Response, error) {
		d := in.decide(r)
		if !wait(r.Context(), d.latency) {
			return nil, r.Context().Err()
		}
		switch {
		case d.status != 0:
			if r.Body != nil {
				_, _ = io.Copy(io.Discard, r.Body)
				_ = r.Body.Close()
			}
			h, body := d.answer(r.Method)
			in.record(d, r.Method, d.status, d.code, true, false)
			return &http.Response{StatusCode: d.status, Status: fmt.Sprintf("%d %s", d.status, http.StatusText(d.status)),
				Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
		case d.lose:
			resp, err := next.Do(r)
			if err != nil {
				in.record(d, r.Method, 0, "", false, false)
				return nil, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			in.record(d, r.Method, 0, "", false, true)
			return nil, &url.Error{Op: r.Method, URL: r.URL.String(),
				Err: &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
		}
		resp, err := next.Do(r)
		if err != nil {
			in.record(d, r.Method, 0, "", false, false)
			return nil, err
		}
		code := ""
		if resp.StatusCode >= 300 && resp.Body != nil {
			br := bufio.NewReaderSize(resp.Body, 1024)
			head, _ := br.Peek(1024)
			code = codeOf(head)
			resp.Body = struct {
				io.Reader
				io.Closer
			}{br, resp.Body}
		}
		in.record(d, r.Method, resp.StatusCode, code, false, false)
		return resp, nil
	})
}

// wait waits d, or less when ctx ends first; it reports whether the whole
// wait was done.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
