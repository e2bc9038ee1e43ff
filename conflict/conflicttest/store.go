package conflicttest

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// store is the in-process server's backend: buckets and objects in memory,
// versioned exactly as S3 versions them. A bucket that never had
// versioning keeps one version per key, whose ID is "null"; with
// versioning enabled every write adds a version with a new ID and a delete
// without an ID adds a delete marker; with versioning suspended a write
// replaces the "null" version and a delete replaces it with a "null"
// delete marker. Deleting a version by ID — "null" included — removes it
// for good. (gofakes3's own s3mem backend gives every write an ID, drops
// history when versioning is suspended, and cannot delete version "null".)
//
// It implements gofakes3.Backend and gofakes3.VersionedBackend; gofakes3
// does multipart uploads on top of it. It is safe for concurrent use.
type store struct {
	mu      sync.RWMutex
	buckets map[string]*storeBucket
	uploads map[gofakes3.UploadID]*upload // storeupload.go
	done    map[gofakes3.UploadID]completion
	seq     uint64
}

type storeBucket struct {
	created    time.Time
	versioning gofakes3.VersioningStatus // "": never enabled
	keys       map[string][]*objectVersion
}

// objectVersion is one version of a key; a key's versions are kept oldest
// first, so the last one is the latest.
type objectVersion struct {
	id     gofakes3.VersionID // "null" or a generated ID
	marker bool               // a delete marker
	body   []byte
	hash   []byte
	// etag is the quoted ETag when it is not the MD5 of the body: an
	// object completed from parts has S3's multipart ETag ("md5-N").
	etag     string
	meta     map[string]string
	modified time.Time

	// Object Lock (storelock.go): a retention mode and date, a legal hold.
	mode    string
	until   time.Time
	hold    bool
	holdSet bool // a legal hold was ever set (else GetObjectLegalHold finds none)
}

const nullVersion gofakes3.VersionID = "null"

// nullAlias stands for version "null" in a request's versionId: gofakes3
// drops "null" and would treat the request as addressing the latest
// version, so the server rewrites it to this before gofakes3 sees it.
const nullAlias = "conflicttest-null-version"

var (
	_ gofakes3.Backend          = (*store)(nil)
	_ gofakes3.VersionedBackend = (*store)(nil)
)

func newStore() *store {
	return &store{buckets: map[string]*storeBucket{}, uploads: map[gofakes3.UploadID]*upload{},
		done: map[gofakes3.UploadID]completion{}}
}

func (s *store) bucket(name string) (*storeBucket, error) {
	b := s.buckets[name]
	if b == nil {
		return nil, gofakes3.BucketNotFound(name)
	}
	return b, nil
}

func (s *store) ListBuckets() ([]gofakes3.BucketInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]gofakes3.BucketInfo, 0, len(s.buckets))
	for name, b := range s.buckets {
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(b.created)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *store) CreateBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buckets[name] != nil {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	s.buckets[name] = &storeBucket{created: time.Now(), keys: map[string][]*objectVersion{}}
	return nil
}

func (s *store) BucketExists(name string) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.buckets[name] != nil, nil
}

// DeleteBucket refuses while any version or delete marker is left, as S3
// does.
func (s *store) DeleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(name)
	if err != nil {
		return err
	}
	if len(b.keys) > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	delete(s.buckets, name)
	s.dropUploads(name)
	return nil
}

func (s *store) ForceDeleteBucket(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.bucket(name); err != nil {
		return err
	}
	delete(s.buckets, name)
	return nil
}

func (s *store) VersioningConfiguration(bucket string) (gofakes3.VersioningConfiguration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, err
	}
	return gofakes3.VersioningConfiguration{Status: b.versioning}, nil
}

// SetVersioningConfiguration enables or suspends versioning.
func (s *store) SetVersioningConfiguration(bucket string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrNotImplemented
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return err
	}
	if v.Status == gofakes3.VersioningEnabled || v.Status == gofakes3.VersioningSuspended {
		b.versioning = v.Status
	}
	return nil
}

func find(versions []*objectVersion, id gofakes3.VersionID) *objectVersion {
	for _, v := range versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

func without(versions []*objectVersion, id gofakes3.VersionID) []*objectVersion {
	out := versions[:0:0]
	for _, v := range versions {
		if v.id != id {
			out = append(out, v)
		}
	}
	return out
}

func unalias(id gofakes3.VersionID) gofakes3.VersionID {
	if id == nullAlias {
		return nullVersion
	}
	return id
}

// eTag is the version's quoted ETag, as S3 gives it.
func (v *objectVersion) eTag() string {
	if v.etag != "" {
		return v.etag
	}
	return gofakes3.FormatETag(v.hash)
}

// hasETag says whether etag, quoted or not, is the version's ETag.
func (v *objectVersion) hasETag(etag string) bool {
	return strings.Trim(etag, `"`) == strings.Trim(v.eTag(), `"`)
}

// errPreconditionFailed is S3's 412 answer to a condition that did not hold.
func errPreconditionFailed() error {
	return gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
}

// etagHeader carries a version's ETag from the store to the HTTP layer,
// which gofakes3 would otherwise give as the MD5 of the body (see
// fixETag); it never reaches a client.
const etagHeader = "X-Conflicttest-Etag"
