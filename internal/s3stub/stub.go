// Package s3stub answers an S3 client's requests with canned S3 answers,
// without a network: the SDK's real serializers, signers and deserializers
// run, only the HTTP client is replaced. For tests, examples and benchmarks
// of this module.
package s3stub

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Answer is one canned HTTP answer.
type Answer struct {
	Status int    // 0: 200
	Code   string // an S3 error code: the body becomes an <Error> document
	Body   string // a raw body, used when Code is empty
	Header http.Header
}

// Error returns an answer with an S3 error document for code.
func Error(status int, code string) Answer { return Answer{Status: status, Code: code} }

// OK is an empty 200 answer.
var OK = Answer{Status: 200}

// Request is what the stub received.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte // decoded from aws-chunked when the SDK sent it so
}

// Stub is a fake HTTP client. It is safe for concurrent use.
type Stub struct {
	mu       sync.Mutex
	answers  []Answer
	next     func(n int, r *http.Request) Answer
	requests []Request
	// Default answers every request after the scripted ones (zero: 200).
	Default Answer
}

// New returns a stub that gives the answers in order, then Default.
func New(answers ...Answer) *Stub { return &Stub{answers: answers} }

// NewFunc returns a stub whose answers come from fn; n counts from 0.
func NewFunc(fn func(n int, r *http.Request) Answer) *Stub { return &Stub{next: fn} }

// Requests returns a copy of what the stub received so far.
func (s *Stub) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests the stub received.
func (s *Stub) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// Do answers one request.
func (s *Stub) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		_ = r.Body.Close()
		if strings.Contains(r.Header.Get("Content-Encoding"), "aws-chunked") {
			if body, err = decodeChunked(body); err != nil {
				return nil, err
			}
		}
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	var a Answer
	switch {
	case s.next != nil:
		a = s.next(n, r)
	case n < len(s.answers):
		a = s.answers[n]
	default:
		a = s.Default
	}
	s.mu.Unlock()
	return a.response(r, n), nil
}

func (a Answer) response(r *http.Request, n int) *http.Response {
	status := a.Status
	if status == 0 {
		status = 200
	}
	h := http.Header{}
	for k, v := range a.Header {
		h[k] = append([]string(nil), v...)
	}
	reqID := "REQ" + strconv.Itoa(n+1)
	h.Set("X-Amz-Request-Id", reqID)
	h.Set("X-Amz-Id-2", "HOST"+strconv.Itoa(n+1))
	body := a.Body
	if a.Code != "" {
		h.Set("Content-Type", "application/xml")
		body = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>%s</Code><Message>canned %s</Message><RequestId>%s</RequestId><HostId>HOST%d</HostId></Error>`,
			a.Code, a.Code, reqID, n+1)
	}
	if r.Method == http.MethodHead {
		body = ""
	}
	return &http.Response{
		StatusCode:    status,
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       r,
	}
}

// decodeChunked decodes an aws-chunked body (chunks, then trailers).
func decodeChunked(b []byte) ([]byte, error) {
	var out bytes.Buffer
	rd := bufio.NewReader(bytes.NewReader(b))
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if i := strings.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked size %q: %w", line, err)
		}
		if size == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, rd, size); err != nil {
			return nil, fmt.Errorf("aws-chunked data: %w", err)
		}
		if _, err := rd.ReadString('\n'); err != nil {
			return nil, fmt.Errorf("aws-chunked: %w", err)
		}
	}
}

// Client returns an S3 client that sends every request to the stub: path
// style, static credentials, region us-east-1, an https endpoint on the
// loopback address (nothing is ever dialled).
func (s *Stub) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("https://127.0.0.1"),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		HTTPClient:   smithyhttp.ClientDoFunc(s.Do),
	}, optFns...)
}
