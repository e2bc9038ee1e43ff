package conflicttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/johannesboyne/gofakes3"
)

// bucketConfig serves the configuration of buckets in front of gofakes3,
// which would take every bucket PUT with a query (?policy, ?tagging, ...)
// for CreateBucket and every such GET for a listing. It stores each
// sub-resource's document as it was sent and serves it back, answers what
// S3 answers when there is none, and answers 501 NotImplemented to the
// sub-resources it does not serve, never a made-up conflict. Everything
// else goes to gofakes3 (next).
type bucketConfig struct {
	next    http.Handler
	backend gofakes3.Backend
	reqID   atomic.Uint64

	mu      sync.Mutex
	buckets map[string]*bucketState

	createMu sync.Mutex // one CreateBucket at a time: exists, owned, created
}

// bucketState is what bucketConfig knows of one bucket.
type bucketState struct {
	docs  map[string][]byte // sub-resource query name: the stored document
	lock  bool              // Object Lock is enabled
	owner string            // the access key ID that created it (account.go)
}

func newBucketConfig(next http.Handler, backend gofakes3.Backend) *bucketConfig {
	return &bucketConfig{next: next, backend: backend, buckets: map[string]*bucketState{}}
}

// state returns a bucket's state, with S3's defaults for a new bucket when
// it has none yet. b.mu is held.
func (b *bucketConfig) state(bucket string) *bucketState {
	st := b.buckets[bucket]
	if st == nil {
		st = &bucketState{docs: defaultDocs()} // a fresh map each call
		b.buckets[bucket] = st
	}
	return st
}

// serveSubresource serves GET, PUT and DELETE of one sub-resource.
func (b *bucketConfig) serveSubresource(w http.ResponseWriter, r *http.Request, bucket, q string, sub subresource) {
	if ok, err := b.backend.BucketExists(bucket); err != nil || !ok {
		b.fail(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	switch r.Method {
	case http.MethodGet:
		b.mu.Lock()
		st := b.state(bucket)
		doc, ok := st.docs[q]
		if q == "object-lock" && !ok && st.lock {
			doc, ok = []byte(lockEnabledDoc), true
		}
		if q == "policyStatus" {
			doc, ok = policyStatus(st.docs["policy"])
		}
		b.mu.Unlock()
		if !ok {
			b.fail(w, r, http.StatusNotFound, sub.missing, "The "+q+" configuration does not exist")
			return
		}
		b.answer(w, http.StatusOK, sub.contentType(), doc)
	case http.MethodPut:
		if sub.root == "" {
			b.fail(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			return
		}
		b.put(w, r, bucket, q, sub)
	case http.MethodDelete:
		if !sub.deletable {
			b.fail(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			return
		}
		b.mu.Lock()
		st := b.state(bucket)
		delete(st.docs, q)
		if q == "encryption" {
			st.docs[q] = defaultDocs()[q] // back to S3's default, SSE-S3
		}
		b.mu.Unlock()
		b.answer(w, http.StatusNoContent, "", nil)
	default:
		b.fail(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// put validates and stores a sub-resource's document.
func (b *bucketConfig) put(w http.ResponseWriter, r *http.Request, bucket, q string, sub subresource) {
	doc, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if q == "acl" {
		if doc, err = aclDoc(doc, r.Header); err != nil {
			b.fail(w, r, http.StatusNotImplemented, "NotImplemented", err.Error())
			return
		}
	}
	if code, msg := validate(sub, doc); code != "" {
		b.fail(w, r, http.StatusBadRequest, code, msg)
		return
	}
	b.mu.Lock()
	st := b.state(bucket)
	if q == "acl" && bytes.Contains(st.docs["ownershipControls"], []byte("BucketOwnerEnforced")) && !bytes.Equal(doc, cannedACL("")) {
		b.mu.Unlock()
		b.fail(w, r, http.StatusBadRequest, "AccessControlListNotSupported", "The bucket does not allow ACLs")
		return
	}
	if q == "object-lock" && !st.lock {
		if !b.versioningEnabled(bucket) {
			b.mu.Unlock()
			b.fail(w, r, http.StatusConflict, "InvalidBucketState", "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
			return
		}
		st.lock = true
	}
	st.docs[q] = doc
	b.mu.Unlock()
	b.answer(w, sub.putStatus(), "", nil)
}

func (b *bucketConfig) versioningEnabled(bucket string) bool {
	vb, ok := b.backend.(gofakes3.VersionedBackend)
	if !ok {
		return false
	}
	v, err := vb.VersioningConfiguration(bucket)
	return err == nil && v.Enabled()
}

// answer writes a successful answer.
func (b *bucketConfig) answer(w http.ResponseWriter, status int, contentType string, body []byte) {
	b.ids(w)
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail writes an S3 error answer.
func (b *bucketConfig) fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := b.ids(w)
	var body []byte
	if r.Method != http.MethodHead {
		body = errorBody(code, message, r.URL.Path, id)
		w.Header().Set("Content-Type", "application/xml")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ids sets the request ID headers of an answer and returns the ID.
func (b *bucketConfig) ids(w http.ResponseWriter) string {
	id := fmt.Sprintf("BC%014X", b.reqID.Add(1))
	w.Header().Set("X-Amz-Request-Id", id)
	w.Header().Set("X-Amz-Id-2", "host-"+id)
	return id
}
