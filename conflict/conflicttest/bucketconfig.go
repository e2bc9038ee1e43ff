package conflicttest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
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
}

// bucketState is what bucketConfig knows of one bucket.
type bucketState struct {
	docs map[string][]byte // sub-resource query name: the stored document
	lock bool              // Object Lock is enabled
}

func newBucketConfig(next http.Handler, backend gofakes3.Backend) *bucketConfig {
	return &bucketConfig{next: next, backend: backend, buckets: map[string]*bucketState{}}
}

// state returns a bucket's state, with S3's defaults for a new bucket when
// it has none yet. b.mu is held.
func (b *bucketConfig) state(bucket string) *bucketState {
	st := b.buckets[bucket]
	if st == nil {
		st = &bucketState{docs: map[string][]byte{}}
		for q, doc := range defaultDocs() {
			st.docs[q] = doc
		}
		b.buckets[bucket] = st
	}
	return st
}

func (b *bucketConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := target(r)
	query := r.URL.Query()
	switch {
	case bucket == "":
		b.next.ServeHTTP(w, r)
	case key != "":
		if q := unservedObjectSubresource(query); q != "" {
			b.fail(w, r, http.StatusNotImplemented, "NotImplemented", "the in-process server does not serve ?"+q+" on objects; versitygw does")
			return
		}
		if _, ok := b.backend.(*store); ok && query.Get("versionId") == string(nullVersion) {
			query.Set("versionId", nullAlias) // gofakes3 would drop "null" and address the latest version
			r.URL.RawQuery = query.Encode()
		}
		b.next.ServeHTTP(w, r)
	default:
		b.serveBucket(w, r, bucket, query)
	}
}

func (b *bucketConfig) serveBucket(w http.ResponseWriter, r *http.Request, bucket string, query map[string][]string) {
	for q := range query {
		if sub, ok := subresources[q]; ok {
			b.serveSubresource(w, r, bucket, q, sub)
			return
		}
		if !bucketParams[q] && !strings.HasPrefix(strings.ToLower(q), "x-amz-") {
			b.fail(w, r, http.StatusNotImplemented, "NotImplemented", "the in-process server does not serve ?"+q+" on buckets; versitygw may")
			return
		}
	}
	_, versioning := query["versioning"]
	_, uploads := query["uploads"]
	switch {
	case uploads && r.Method == http.MethodGet:
		b.listUploads(w, r, bucket)
	case versioning && r.Method == http.MethodPut:
		b.putVersioning(w, r, bucket)
	case len(query) == 0 && r.Method == http.MethodPut:
		b.createBucket(w, r, bucket)
	case len(query) == 0 && r.Method == http.MethodDelete:
		rec := &recorder{header: w.Header(), w: w}
		b.next.ServeHTTP(rec, r)
		if rec.statusOr200()/100 == 2 {
			b.mu.Lock()
			delete(b.buckets, bucket)
			b.mu.Unlock()
		}
	default:
		b.next.ServeHTTP(w, r)
	}
}

// createBucket lets gofakes3 create the bucket, then gives it S3's
// defaults, the Object Lock and object ownership the request asked for,
// and versioning when Object Lock is on (S3 turns it on with the lock).
func (b *bucketConfig) createBucket(w http.ResponseWriter, r *http.Request, bucket string) {
	rec := &recorder{header: w.Header(), w: w}
	b.next.ServeHTTP(rec, r)
	if rec.statusOr200()/100 != 2 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.buckets, bucket)
	st := b.state(bucket)
	if own := r.Header.Get("X-Amz-Object-Ownership"); own != "" {
		st.docs["ownershipControls"] = ownershipDoc(own)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		st.lock = true
		if vb, ok := b.backend.(gofakes3.VersionedBackend); ok {
			_ = vb.SetVersioningConfiguration(bucket, gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled})
		}
	}
}

// listUploads lets gofakes3 list the multipart uploads, and answers an
// empty list where it answers 404 NoSuchUpload for a bucket that never had
// one.
func (b *bucketConfig) listUploads(w http.ResponseWriter, r *http.Request, bucket string) {
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, r)
	if rec.Code == http.StatusNotFound && codeOf(rec.Body.Bytes()) == "NoSuchUpload" {
		var doc bytes.Buffer
		doc.WriteString(`<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>`)
		_ = xml.EscapeText(&doc, []byte(bucket))
		doc.WriteString(`</Bucket><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`)
		b.answer(w, http.StatusOK, "application/xml", doc.Bytes())
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// putVersioning refuses to suspend versioning on an Object Lock bucket, as
// S3 does, and lets gofakes3 do the rest.
func (b *bucketConfig) putVersioning(w http.ResponseWriter, r *http.Request, bucket string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	b.mu.Lock()
	lock := b.buckets[bucket] != nil && b.buckets[bucket].lock
	b.mu.Unlock()
	if lock && bytes.Contains(body, []byte("<Status>Suspended</Status>")) {
		b.fail(w, r, http.StatusConflict, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.next.ServeHTTP(w, r)
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
