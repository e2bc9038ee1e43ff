package conflicttest

import (
	"io"
	"net/http"
	"strconv"
)

// Handler returns next with the faults (and the model, when set) in front
// of it: an http.Handler to serve in place of the real server.
func (in *Injector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := in.decide(r)
		answered := 0 // the status the backend answered, for the model
		defer func() { in.finish(d, answered) }()
		// Read the body before waiting: only then does the server notice
		// a client that gives up, and end r.Context().
		if d.latency+d.hold > 0 && !readWhole(r) { // it ended before its Content-Length: never passed on
			body := errorBody("IncompleteBody", incompleteBodyMessage, resource(d), d.requestID)
			w.Header().Set("X-Amz-Request-Id", d.requestID)
			w.Header().Set("X-Amz-Id-2", "host-"+d.requestID)
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(body)
			in.record(d, r.Method, http.StatusBadRequest, "IncompleteBody", false, false)
			return
		}
		if !wait(r.Context(), d.latency+d.hold) {
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
			answered = rec.statusOr200()
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
			answered = rec.statusOr200()
			in.record(d, r.Method, answered, rec.code(), false, false)
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
