package conflicttest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// The store's multipart uploads (gofakes3.MultipartBackend), so that a
// completion is one write under the store's lock and its conditions
// (If-None-Match, If-Match) are checked there, as S3 checks them.

var _ gofakes3.MultipartBackend = (*store)(nil)

type upload struct {
	bucket, key string
	meta        map[string]string
	initiated   time.Time
	parts       map[int]*part
}

type part struct {
	body     []byte
	etag     string // quoted MD5
	modified time.Time
}

// minPartSize is S3's least size of a part other than the last: 5 MiB.
const minPartSize = 5 << 20

// errTooSmall is S3's 400 EntityTooSmall: a part other than the last is
// under minPartSize.
var errTooSmall = errors.New("a part other than the last is under 5 MiB")

func (s *store) CreateMultipartUpload(bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.bucket(bucket); err != nil {
		return "", err
	}
	s.seq++
	id := gofakes3.UploadID(fmt.Sprintf("u%015d", s.seq))
	s.uploads[id] = &upload{bucket: bucket, key: key, meta: meta, initiated: time.Now(), parts: map[int]*part{}}
	return id, nil
}

// findUpload returns an upload of bucket/key: 404 NoSuchUpload when there
// is none. s.mu is held.
func (s *store) findUpload(bucket, key string, id gofakes3.UploadID) (*upload, error) {
	u := s.uploads[id]
	if u == nil || u.bucket != bucket || u.key != key {
		return nil, gofakes3.ErrNoSuchUpload
	}
	return u, nil
}

func (s *store) UploadPart(bucket, key string, id gofakes3.UploadID, number int, size int64, input io.Reader) (string, error) {
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return "", err
	}
	sum := md5.Sum(body)
	p := &part{body: body, etag: `"` + hex.EncodeToString(sum[:]) + `"`, modified: time.Now()}
	u.parts[number] = p
	return p.etag, nil
}

func (s *store) AbortMultipartUpload(bucket, key string, id gofakes3.UploadID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.findUpload(bucket, key, id); err != nil {
		return err
	}
	delete(s.uploads, id)
	return nil
}

func (s *store) CompleteMultipartUpload(bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	return s.complete(bucket, key, id, in, nil)
}

// completeUpload serves CompleteMultipartUpload itself, so that its
// conditions are checked (gofakes3 ignores them) and EntityTooSmall is a
// 400.
func (b *bucketConfig) completeUpload(w http.ResponseWriter, r *http.Request, st *store, bucket, key string, id gofakes3.UploadID) {
	var in gofakes3.CompleteMultipartUploadRequest
	if err := xml.NewDecoder(r.Body).Decode(&in); err != nil {
		b.fail(w, r, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		return
	}
	cond := conditions(r.Header.Get("If-Match"), r.Header.Get("If-None-Match"))
	vid, etag, err := st.complete(bucket, key, id, &in, cond)
	if errors.Is(err, gofakes3.ErrNoSuchUpload) {
		if done, ok := st.completed(bucket, key, id); ok {
			b.answerCompleted(w, r, bucket, key, done)
			return
		}
	}
	if err != nil {
		b.storeAnswer(w, r, err, "")
		return
	}
	if vid != "" && b.locked(bucket) {
		b.lockNew(r, st, bucket, key, vid)
	}
	b.answerCompleted(w, r, bucket, key, completion{version: vid, etag: etag})
}

// complete assembles an upload's parts into a version of its key, if cond
// (nil: none) holds for the key's latest version: 412 PreconditionFailed,
// or 404 NoSuchKey for If-Match on a missing key. It answers InvalidPart,
// InvalidPartOrder and EntityTooSmall as S3 does.
func (s *store) complete(bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest, cond *gofakes3.PutConditions) (gofakes3.VersionID, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return "", "", err
	}
	b, err := s.bucket(bucket)
	if err != nil {
		return "", "", err
	}
	if len(in.Parts) == 0 {
		return "", "", gofakes3.ErrMalformedXML
	}
	var body []byte
	sums := md5.New()
	for i, cp := range in.Parts {
		if i > 0 && cp.PartNumber <= in.Parts[i-1].PartNumber {
			return "", "", gofakes3.ErrInvalidPartOrder
		}
		p := u.parts[cp.PartNumber]
		if p == nil || strings.Trim(cp.ETag, `"`) != strings.Trim(p.etag, `"`) {
			return "", "", gofakes3.ErrInvalidPart
		}
		if i < len(in.Parts)-1 && len(p.body) < minPartSize {
			return "", "", errTooSmall
		}
		body = append(body, p.body...)
		raw, _ := hex.DecodeString(strings.Trim(p.etag, `"`))
		sums.Write(raw)
	}
	if err := checkConditions(b, key, cond); err != nil {
		return "", "", err
	}
	sum := md5.Sum(body)
	etag := fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sums.Sum(nil)), len(in.Parts))
	v := s.add(b, key, &objectVersion{body: body, hash: sum[:], etag: etag, meta: u.meta})
	delete(s.uploads, id)
	done := completion{bucket: bucket, key: key, etag: etag}
	if b.versioning != "" {
		done.version = v.id
	}
	s.done[id] = done
	return done.version, etag, nil
}

// conditions are a write's If-Match and If-None-Match ("": none) as
// checkConditions takes them.
func conditions(ifMatch, ifNoneMatch string) *gofakes3.PutConditions {
	c := &gofakes3.PutConditions{}
	if ifMatch != "" {
		c.IfMatch = &ifMatch
	}
	if ifNoneMatch != "" {
		c.IfNoneMatch = &ifNoneMatch
	}
	return c
}

// checkConditions checks a write's conditions against a key's latest
// version, as S3 does. s.mu is held.
func checkConditions(b *storeBucket, key string, cond *gofakes3.PutConditions) error {
	if cond == nil {
		return nil
	}
	var latest *objectVersion
	if vs := b.keys[key]; len(vs) > 0 && !vs[len(vs)-1].marker {
		latest = vs[len(vs)-1]
	}
	switch {
	case cond.IfMatch != nil && latest == nil:
		return gofakes3.KeyNotFound(key)
	case cond.IfNoneMatch != nil && *cond.IfNoneMatch == "*" && latest != nil:
		return errPreconditionFailed()
	case cond.IfMatch != nil && !latest.hasETag(*cond.IfMatch):
		return errPreconditionFailed()
	}
	return nil
}

func (s *store) ListMultipartUploads(bucket string, marker *gofakes3.UploadListMarker, prefix gofakes3.Prefix, limit int64) (*gofakes3.ListMultipartUploadsResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.bucket(bucket); err != nil {
		return nil, err
	}
	out := &gofakes3.ListMultipartUploadsResult{Bucket: bucket, MaxUploads: limit, Prefix: prefix.Prefix, Delimiter: prefix.Delimiter}
	if marker != nil {
		out.KeyMarker, out.UploadIDMarker = marker.Object, marker.UploadID
	}
	var ids []gofakes3.UploadID
	for id, u := range s.uploads {
		if u.bucket == bucket {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := s.uploads[ids[i]], s.uploads[ids[j]]
		return a.key < b.key || (a.key == b.key && ids[i] < ids[j])
	})
	var match gofakes3.PrefixMatch
	for _, id := range ids {
		u := s.uploads[id]
		if marker != nil && (u.key < marker.Object || (u.key == marker.Object && (marker.UploadID == "" || id <= marker.UploadID))) {
			continue
		}
		if !prefix.Match(u.key, &match) {
			continue
		}
		if limit > 0 && int64(len(out.Uploads)+len(out.CommonPrefixes)) >= limit {
			out.IsTruncated = true
			break
		}
		if match.CommonPrefix {
			out.CommonPrefixes = appendPrefix(out.CommonPrefixes, match.MatchedPart)
			continue
		}
		out.Uploads = append(out.Uploads, gofakes3.ListMultipartUploadItem{Key: u.key, UploadID: id,
			Initiated: gofakes3.NewContentTime(u.initiated)})
		out.NextKeyMarker, out.NextUploadIDMarker = u.key, id
	}
	if !out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = "", ""
	}
	return out, nil
}

func appendPrefix(ps []gofakes3.CommonPrefix, p string) []gofakes3.CommonPrefix {
	if len(ps) > 0 && ps[len(ps)-1].Prefix == p {
		return ps
	}
	return append(ps, gofakes3.CommonPrefix{Prefix: p})
}

func (s *store) ListParts(bucket, key string, id gofakes3.UploadID, marker int, limit int64) (*gofakes3.ListMultipartUploadPartsResult, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.findUpload(bucket, key, id)
	if err != nil {
		return nil, err
	}
	out := &gofakes3.ListMultipartUploadPartsResult{Bucket: bucket, Key: key, UploadID: id, PartNumberMarker: marker, MaxParts: limit}
	var numbers []int
	for n := range u.parts {
		if n > marker {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	for _, n := range numbers {
		if limit > 0 && int64(len(out.Parts)) >= limit {
			out.IsTruncated = true
			break
		}
		p := u.parts[n]
		out.Parts = append(out.Parts, gofakes3.ListMultipartUploadPartItem{PartNumber: n,
			LastModified: gofakes3.NewContentTime(p.modified), ETag: p.etag, Size: int64(len(p.body))})
		out.NextPartNumberMarker = n
	}
	return out, nil
}

// dropUploads forgets the uploads of a deleted bucket. s.mu is held.
func (s *store) dropUploads(bucket string) {
	for id, u := range s.uploads {
		if u.bucket == bucket {
			delete(s.uploads, id)
		}
	}
	for id, c := range s.done {
		if c.bucket == bucket {
			delete(s.done, id)
		}
	}
}
