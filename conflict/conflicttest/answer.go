package conflicttest

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"time"
)

// errorBody is an S3 XML error document.
func errorBody(code, message, resource, requestID string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>")
	_ = xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(message))
	b.WriteString("</Message><Resource>")
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

// answer returns the headers and body of an injected or modeled answer: an
// S3 XML error document (none for HEAD) with request IDs, and a header
// that says where it came from ("fault" or "model").
func (d decision) answer(method string) (http.Header, []byte) {
	h := http.Header{}
	h.Set("X-Amz-Request-Id", d.requestID)
	h.Set("X-Amz-Id-2", "host-"+d.requestID)
	h.Set(injectedHeader, "fault")
	message := "injected by conflicttest"
	if d.modeled {
		h.Set(injectedHeader, "model")
		message = d.message
	}
	var body []byte
	if d.code != "" && method != http.MethodHead {
		body = errorBody(d.code, message, resource(d), d.requestID)
		h.Set("Content-Type", "application/xml")
	}
	return h, body
}

// injectedHeader is set on every injected answer so that a reader of a
// capture can tell it from a real one.
const injectedHeader = "X-Conflicttest-Injected"

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
