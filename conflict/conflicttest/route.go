package conflicttest

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/johannesboyne/gofakes3"

	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// Routing in front of gofakes3: which requests bucketConfig serves itself,
// which it answers 501, and the fixes it makes to gofakes3's own answers.

func (b *bucketConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := target(r)
	query := r.URL.Query()
	if !objectData(r, key, query) && !b.wholeBody(w, r) { // body.go
		return
	}
	create := bucket != "" && key == "" && r.Method == http.MethodPut && plain(query)
	if create {
		b.createMu.Lock()
		defer b.createMu.Unlock()
	}
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		b.listBuckets(w, r)
	case bucket == "":
		b.next.ServeHTTP(w, r)
	case b.refuseStranger(w, r, bucket, create):
	case key != "":
		if (r.Method == http.MethodPut || r.Method == http.MethodPost) && usermeta.HeaderSize(r.Header) > usermeta.Limit {
			b.fail(w, r, http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
			return
		}
		st, ours := b.backend.(*store)
		if ours && b.serveObjectLock(w, r, st, bucket, key, query) {
			return
		}
		if q := unservedObjectSubresource(query); q != "" {
			b.fail(w, r, http.StatusNotImplemented, "NotImplemented", "the in-process server does not serve ?"+q+" on objects")
			return
		}
		if ours && r.Method == http.MethodPost && query.Has("uploadId") {
			b.completeUpload(w, r, st, bucket, key, gofakes3.UploadID(query.Get("uploadId")))
			return
		}
		if ours && r.Method == http.MethodDelete && r.Header.Get("If-Match") != "" && !query.Has("uploadId") {
			b.conditionalDelete(w, r, st, bucket, key, query.Get("versionId"))
			return
		}
		if ours && query.Get("versionId") == string(nullVersion) {
			query.Set("versionId", nullAlias) // gofakes3 would drop "null" and address the latest version
			r.URL.RawQuery = query.Encode()
		}
		sent := r
		if r.Method == http.MethodHead {
			r = headAsGet(r)
		}
		if r.Method == http.MethodGet && !query.Has("uploadId") {
			var cond readConditions
			if r, cond = takeReadConditions(r, r != sent); cond != (readConditions{}) {
				w = &conditionalRead{ResponseWriter: w, b: b, r: sent, cond: cond} // conditionalread.go
			}
		}
		if ours && r.Method == http.MethodGet {
			w = &fixETag{ResponseWriter: w}
		}
		b.next.ServeHTTP(w, r)
		if g, ok := w.(interface{ written() bool }); ok && !g.written() {
			w.WriteHeader(http.StatusOK) // an empty object: gofakes3 wrote nothing, the fixes still apply
		}
	default:
		b.serveBucket(w, r, bucket, query)
	}
}

// fixETag gives an object's answer the ETag the store carried in
// etagHeader (a multipart ETag), in place of the MD5 of the body that
// gofakes3 sets.
type fixETag struct {
	http.ResponseWriter
	fixed bool
}

func (f *fixETag) fix() {
	if f.fixed {
		return
	}
	f.fixed = true
	h := f.Header()
	if e := h.Get(etagHeader); e != "" {
		h.Set("ETag", e)
		h.Del(etagHeader)
	}
}

func (f *fixETag) written() bool { return f.fixed }

func (f *fixETag) WriteHeader(status int) {
	f.fix()
	f.ResponseWriter.WriteHeader(status)
}

func (f *fixETag) Write(p []byte) (int, error) {
	f.fix()
	return f.ResponseWriter.Write(p)
}

// copyConditions hands a CopyObject's If-Match and If-None-Match to the
// store's CopyObject, which gofakes3 gives only the request's X-Amz-
// headers: under copyIfMatch and copyIfNoneMatch.
func copyConditions(r *http.Request) *http.Request {
	im, inm := r.Header.Get("If-Match"), r.Header.Get("If-None-Match")
	if im == "" && inm == "" {
		return r
	}
	r = r.Clone(r.Context())
	for h, v := range map[string]string{copyIfMatch: im, copyIfNoneMatch: inm} {
		if v != "" {
			r.Header.Set(h, v)
		}
	}
	r.Header.Del("If-Match")
	r.Header.Del("If-None-Match")
	return r
}

// headAsGet hands gofakes3 a HeadObject as GetObject: gofakes3 heads the
// latest version whatever the versionId. The HTTP server discards the body
// of an answer to HEAD, so the headers are exactly GetObject's.
func headAsGet(r *http.Request) *http.Request {
	get := r.Clone(r.Context())
	get.Method = http.MethodGet
	return get
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
	_, deletes := query["delete"]
	st, ours := b.backend.(*store)
	switch {
	case deletes && r.Method == http.MethodPost && ours && b.locked(bucket):
		b.deleteManyLocked(w, r, st, bucket)
	case uploads && r.Method == http.MethodGet:
		b.listUploads(w, r, bucket)
	case versioning && r.Method == http.MethodPut:
		b.putVersioning(w, r, bucket)
	case plain(query) && r.Method == http.MethodPut:
		b.createBucket(w, r, bucket)
	case plain(query) && r.Method == http.MethodDelete:
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

// plain reports whether a bucket request has no query but the
// operation's name and a presigned URL's parameters: CreateBucket or
// DeleteBucket.
func plain(query map[string][]string) bool {
	for q := range query {
		if q != "x-id" && !strings.HasPrefix(strings.ToLower(q), "x-amz-") {
			return false
		}
	}
	return true
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
	st.owner = caller(r)
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
	if b.locked(bucket) && bytes.Contains(body, []byte("<Status>Suspended</Status>")) {
		b.fail(w, r, http.StatusConflict, "InvalidBucketState", "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	b.next.ServeHTTP(w, r)
}

// conditionalDelete serves DeleteObject with If-Match, which gofakes3
// would ignore (deleting whatever the ETag).
func (b *bucketConfig) conditionalDelete(w http.ResponseWriter, r *http.Request, st *store, bucket, key, versionID string) {
	res, err := st.deleteIfMatch(bucket, key, gofakes3.VersionID(versionID), r.Header.Get("If-Match"))
	if err == nil {
		deleteHeaders(w, res)
	}
	b.storeAnswer(w, r, err, "")
}
