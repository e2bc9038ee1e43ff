package conflicttest

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// Object Lock on the in-process server's store, in front of gofakes3
// (which accepts and ignores all of it): GetObjectRetention,
// PutObjectRetention, GetObjectLegalHold, PutObjectLegalHold; a new
// version's retention and legal hold from PutObject's headers or the
// bucket's default retention; and the deletes of versions that Object Lock
// refuses, one at a time or with DeleteObjects.

// locked reports whether a bucket has Object Lock enabled.
func (b *bucketConfig) locked(bucket string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buckets[bucket] != nil && b.buckets[bucket].lock
}

// serveObjectLock serves a key-level request that Object Lock concerns and
// reports whether it did.
func (b *bucketConfig) serveObjectLock(w http.ResponseWriter, r *http.Request, st *store, bucket, key string, query url.Values) bool {
	_, retention := query["retention"]
	_, legalHold := query["legal-hold"]
	id := gofakes3.VersionID(query.Get("versionId"))
	bypass := strings.EqualFold(r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true")
	switch {
	case (retention || legalHold) && !b.locked(bucket):
		b.fail(w, r, http.StatusBadRequest, "InvalidRequest", "Bucket is missing Object Lock Configuration")
	case retention && r.Method == http.MethodGet:
		v, err := st.lock(bucket, key, id)
		if err == nil && v.mode == "" {
			b.fail(w, r, http.StatusNotFound, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration")
			return true
		}
		b.storeAnswer(w, r, err, "<Retention><Mode>"+v.mode+"</Mode><RetainUntilDate>"+isoTime(v.until)+"</RetainUntilDate></Retention>")
	case retention && r.Method == http.MethodPut:
		var doc struct{ Mode, RetainUntilDate string }
		until, err := decodeLock(r.Body, &doc, func() (time.Time, error) {
			if doc.Mode == "" && doc.RetainUntilDate == "" {
				return time.Time{}, nil // no retention
			}
			return parseISOTime(doc.RetainUntilDate)
		})
		if err == nil {
			err = st.setRetention(bucket, key, id, doc.Mode, until, bypass)
		}
		b.storeAnswer(w, r, err, "")
	case legalHold && r.Method == http.MethodGet:
		v, err := st.lock(bucket, key, id)
		if err == nil && !v.holdSet {
			b.fail(w, r, http.StatusNotFound, "NoSuchObjectLockConfiguration", "The specified object does not have a ObjectLock configuration")
			return true
		}
		status := "OFF"
		if v.hold {
			status = "ON"
		}
		b.storeAnswer(w, r, err, "<LegalHold><Status>"+status+"</Status></LegalHold>")
	case legalHold && r.Method == http.MethodPut:
		var doc struct{ Status string }
		_, err := decodeLock(r.Body, &doc, nil)
		if err == nil {
			err = st.setLegalHold(bucket, key, id, doc.Status == "ON")
		}
		b.storeAnswer(w, r, err, "")
	case retention || legalHold:
		b.fail(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	case r.Method == http.MethodDelete && id != "" && b.locked(bucket):
		res, err := st.deleteUnlocked(bucket, key, id, bypass, r.Header.Get("If-Match"))
		if err == nil {
			deleteHeaders(w, res)
		}
		b.storeAnswer(w, r, err, "")
	case r.Method == http.MethodPut && !query.Has("uploadId") && r.Header.Get("X-Amz-Copy-Source") != "":
		b.copyObject(w, r, st, bucket, key)
	case r.Method == http.MethodPut && !query.Has("uploadId") && b.locked(bucket):
		b.putLocked(w, r, st, bucket, key)
	default:
		return false
	}
	return true
}

// copyObject lets gofakes3 copy (the store checks the copy's conditions,
// see copyConditions), then answers with the new version's ID
// (gofakes3 gives the source's) and locks the new version as putLocked
// does.
func (b *bucketConfig) copyObject(w http.ResponseWriter, r *http.Request, st *store, bucket, key string) {
	rec := httptest.NewRecorder()
	b.next.ServeHTTP(rec, copyConditions(r))
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("X-Amz-Version-Id")
	if rec.Code/100 == 2 {
		if id := st.latestID(bucket, key); id != "" {
			w.Header().Set("X-Amz-Version-Id", string(id))
			if b.locked(bucket) {
				b.lockNew(r, st, bucket, key, id)
			}
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// putLocked lets gofakes3 write a version into an Object Lock bucket, then
// locks it with lockNew.
func (b *bucketConfig) putLocked(w http.ResponseWriter, r *http.Request, st *store, bucket, key string) {
	rec := &recorder{header: w.Header(), w: w}
	b.next.ServeHTTP(rec, r)
	id := gofakes3.VersionID(w.Header().Get("X-Amz-Version-Id"))
	if rec.statusOr200()/100 == 2 && id != "" {
		b.lockNew(r, st, bucket, key, id)
	}
}

// lockNew gives a new version the retention and legal hold of the
// request's headers, or the bucket's default retention.
func (b *bucketConfig) lockNew(r *http.Request, st *store, bucket, key string, id gofakes3.VersionID) {
	mode, until := r.Header.Get("X-Amz-Object-Lock-Mode"), time.Time{}
	if t, err := parseISOTime(r.Header.Get("X-Amz-Object-Lock-Retain-Until-Date")); err == nil && mode != "" {
		until = t
	} else {
		mode, until = b.defaultRetention(bucket)
	}
	if mode != "" {
		_ = st.setRetention(bucket, key, id, mode, until, true)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Object-Lock-Legal-Hold"), "ON") {
		_ = st.setLegalHold(bucket, key, id, true)
	}
}

// defaultRetention is the retention a bucket's Object Lock configuration
// gives a new version ("" for none).
func (b *bucketConfig) defaultRetention(bucket string) (string, time.Time) {
	b.mu.Lock()
	doc := b.state(bucket).docs["object-lock"]
	b.mu.Unlock()
	var cfg struct {
		Rule struct {
			DefaultRetention struct {
				Mode        string
				Days, Years int
			}
		}
	}
	if xml.Unmarshal(doc, &cfg) != nil || cfg.Rule.DefaultRetention.Mode == "" {
		return "", time.Time{}
	}
	d := cfg.Rule.DefaultRetention
	return d.Mode, time.Now().AddDate(d.Years, 0, d.Days)
}

// deleteManyLocked is DeleteObjects on an Object Lock bucket.
func (b *bucketConfig) deleteManyLocked(w http.ResponseWriter, r *http.Request, st *store, bucket string) {
	var in gofakes3.DeleteRequest
	if err := xml.NewDecoder(r.Body).Decode(&in); err != nil {
		b.fail(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		return
	}
	out, err := st.deleteManyUnlocked(bucket, in.Objects, strings.EqualFold(r.Header.Get("X-Amz-Bypass-Governance-Retention"), "true"))
	if err != nil {
		b.storeAnswer(w, r, err, "")
		return
	}
	if in.Quiet {
		out.Deleted = nil
	}
	doc, _ := xml.Marshal(out)
	b.answer(w, http.StatusOK, "application/xml", doc)
}

// storeAnswer answers a request the server serves from its store: err as
// S3 would, else doc (200) or nothing (200 for a PUT, 204 for a DELETE).
func (b *bucketConfig) storeAnswer(w http.ResponseWriter, r *http.Request, err error, doc string) {
	var ge gofakes3.Error
	switch {
	case errors.Is(err, errLocked):
		b.fail(w, r, http.StatusForbidden, "AccessDenied", lockedMessage)
	case errors.Is(err, errTooSmall):
		b.fail(w, r, http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
	case errors.As(err, &ge):
		b.fail(w, r, ge.ErrorCode().Status(), string(ge.ErrorCode()), ge.ErrorCode().Message())
	case err != nil:
		b.fail(w, r, http.StatusBadRequest, "MalformedXML", err.Error())
	case r.Method == http.MethodDelete:
		b.answer(w, http.StatusNoContent, "", nil)
	case doc == "":
		b.answer(w, http.StatusOK, "", nil)
	default:
		b.answer(w, http.StatusOK, "application/xml", []byte(doc))
	}
}

// decodeLock decodes an Object Lock document into doc, then reads a date
// from it with date (nil: none).
func decodeLock(body io.Reader, doc any, date func() (time.Time, error)) (time.Time, error) {
	if err := xml.NewDecoder(body).Decode(doc); err != nil {
		return time.Time{}, err
	}
	if date == nil {
		return time.Time{}, nil
	}
	return date()
}

func deleteHeaders(w http.ResponseWriter, res gofakes3.ObjectDeleteResult) {
	if res.IsDeleteMarker {
		w.Header().Set("X-Amz-Delete-Marker", "true")
	}
	if res.VersionID != "" {
		w.Header().Set("X-Amz-Version-Id", string(res.VersionID))
	}
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func parseISOTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }
