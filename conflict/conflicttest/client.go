package conflicttest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
)

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
		answered := 0 // the status the endpoint answered, for the model
		defer func() { in.finish(d, answered) }()
		if !wait(r.Context(), d.latency+d.hold) {
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
			answered = resp.StatusCode
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
		answered = resp.StatusCode
		in.record(d, r.Method, resp.StatusCode, code, false, false)
		return resp, nil
	})
}

type clientFunc func(*http.Request) (*http.Response, error)

func (f clientFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
