package retry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// delayFirstPut holds the first PutObject of the key it watches: the
// client gets a connection reset at once (as when its own timeout fires
// while the server is slow), and the held request reaches the server only
// later, just before the next PutObject of that key: a send still in
// flight when the client gave up.
type delayFirstPut struct {
	next conflicttest.HTTPClient
	key  string
	// status, when not 0, answers the held send with this status (a
	// gateway's 502/504 while the store is still at work) instead of a
	// connection reset.
	status int

	mu   sync.Mutex
	held *http.Request
	done bool
}

func (d *delayFirstPut) Do(r *http.Request) (*http.Response, error) {
	isPut := r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/"+d.key)
	if !isPut {
		return d.next.Do(r)
	}
	d.mu.Lock()
	if !d.done {
		d.done = true
		body, err := io.ReadAll(r.Body)
		d.mu.Unlock()
		if err != nil {
			return nil, err
		}
		held := r.Clone(context.Background())
		held.Body = io.NopCloser(bytes.NewReader(body))
		held.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		d.mu.Lock()
		d.held = held
		d.mu.Unlock()
		if d.status != 0 {
			h := http.Header{}
			h.Set("Content-Type", "text/html")
			return &http.Response{StatusCode: d.status, Status: http.StatusText(d.status), Header: h, Proto: "HTTP/1.1",
				ProtoMajor: 1, ProtoMinor: 1, Body: io.NopCloser(strings.NewReader("<html>gateway</html>")), Request: r}, nil
		}
		return nil, errors.New("read: connection reset by peer")
	}
	held := d.held
	d.held = nil
	d.mu.Unlock()
	if held != nil { // the first send lands now, before ours
		if resp, err := d.next.Do(held); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
	}
	return d.next.Do(r)
}

// Attack on 22029e3: an Updater's write gets no answer (status 0), the
// Updater reads at once, finds nobody wrote (head == base) and re-sends
// on the state just read with a new token. The first send was still in
// flight and lands before the re-send, which is refused 412: the update
// is now in the object. It must not be applied a second time.
func TestAttack2InFlightFirstSendNotAppliedTwice(t *testing.T) {
	t.Parallel()
	for _, status := range []int{0, http.StatusBadGateway, http.StatusGatewayTimeout} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			inFlightFirstSend(t, status)
		})
	}
}

func inFlightFirstSend(t *testing.T, status int) {
	srv := conflicttest.NewServer(t)
	setup := srv.Client()
	bucket := "bkt"
	s3test.CreateBucket(t, setup, bucket)
	_, err := retry.Update(context.Background(), setup, bucket, "n", retry.Incr)
	require.NoError(t, err)
	hook := &delayFirstPut{key: "n", status: status}
	c := srv.Client(func(o *s3.Options) { hook.next, o.HTTPClient = o.HTTPClient, hook })
	u := retry.NewUpdater(c, noWait)
	_, err = u.Update(context.Background(), bucket, "n", retry.Incr)
	require.True(t, hook.done)
	assert.NoError(t, err)
	assert.Equal(t, "2", get(t, setup, bucket, "n"), "one update of 1: applied exactly once")
	for _, r := range srv.Faults.Records() {
		t.Logf("%s %s status=%d code=%s", r.Operation, r.Key, r.Status, r.Code)
	}
}
