package conflicttest

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"sort"
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
	id       gofakes3.VersionID // "null" or a generated ID
	marker   bool               // a delete marker
	body     []byte
	hash     []byte
	meta     map[string]string
	modified time.Time
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

func newStore() *store { return &store{buckets: map[string]*storeBucket{}} }

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

// object returns what a GET or HEAD of a version gives: the version, its
// delete marker (gofakes3 answers 404 with x-amz-delete-marker), or an
// error. id "" is the latest version.
func (s *store) object(bucket, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	versions := b.keys[key]
	var v *objectVersion
	if id == "" {
		if len(versions) == 0 {
			return nil, gofakes3.KeyNotFound(key)
		}
		v = versions[len(versions)-1]
	} else if v = find(versions, unalias(id)); v == nil {
		return nil, gofakes3.ErrNoSuchVersion
	}
	obj := &gofakes3.Object{Name: key, Metadata: v.meta, Size: int64(len(v.body)), Hash: v.hash,
		IsDeleteMarker: v.marker, Contents: io.NopCloser(bytes.NewReader(nil))}
	if b.versioning != "" {
		obj.VersionID = v.id
	}
	if withBody && !v.marker {
		body := v.body
		if obj.Range, err = rng.Range(int64(len(body))); err != nil {
			return nil, err
		}
		if obj.Range != nil {
			body = body[obj.Range.Start : obj.Range.Start+obj.Range.Length]
		}
		obj.Contents = io.NopCloser(bytes.NewReader(body))
	}
	return obj, nil
}

func (s *store) GetObject(bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return s.object(bucket, key, "", rng, true)
}

func (s *store) HeadObject(bucket, key string) (*gofakes3.Object, error) {
	return s.object(bucket, key, "", nil, false)
}

func (s *store) GetObjectVersion(bucket, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return s.object(bucket, key, id, rng, true)
}

func (s *store) HeadObjectVersion(bucket, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	return s.object(bucket, key, id, nil, false)
}

// PutObject writes a version. Conditions are checked against the latest
// version as S3 does: If-None-Match "*" fails on a live object (412);
// If-Match fails on a different ETag (412) and on a missing object (404
// NoSuchKey).
func (s *store) PutObject(bucket, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	var res gofakes3.PutObjectResult
	body, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return res, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return res, err
	}
	if cond != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		if vs := b.keys[key]; len(vs) > 0 && !vs[len(vs)-1].marker {
			info.Exists, info.Hash = true, vs[len(vs)-1].hash
		}
		if cond.IfMatch != nil && !info.Exists {
			return res, gofakes3.KeyNotFound(key)
		}
		if err := gofakes3.CheckPutConditions(cond, info); err != nil {
			return res, err
		}
	}
	sum := md5.Sum(body)
	v := s.add(b, key, &objectVersion{body: body, hash: sum[:], meta: meta})
	if b.versioning != "" {
		res.VersionID = v.id
	}
	return res, nil
}

// add makes v the latest version of key: with a new ID when versioning is
// enabled, else as the "null" version, replacing the one there was. s.mu
// is held.
func (s *store) add(b *storeBucket, key string, v *objectVersion) *objectVersion {
	v.modified = time.Now()
	versions := b.keys[key]
	if b.versioning == gofakes3.VersioningEnabled {
		s.seq++
		v.id = gofakes3.VersionID(fmt.Sprintf("v%015d", s.seq))
	} else {
		v.id = nullVersion
		versions = without(versions, nullVersion)
	}
	b.keys[key] = append(versions, v)
	return v
}

// DeleteObject deletes without a version ID: the object itself in a bucket
// that never had versioning, else a new delete marker.
func (s *store) DeleteObject(bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	return s.remove(b, key), nil
}

func (s *store) remove(b *storeBucket, key string) gofakes3.ObjectDeleteResult {
	if b.versioning == "" {
		delete(b.keys, key)
		return gofakes3.ObjectDeleteResult{}
	}
	m := s.add(b, key, &objectVersion{marker: true})
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: m.id}
}

// DeleteObjectVersion removes one version or delete marker for good;
// deleting one that does not exist succeeds, as on S3.
func (s *store) DeleteObjectVersion(bucket, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	return removeVersion(b, key, unalias(id)), nil
}

func removeVersion(b *storeBucket, key string, id gofakes3.VersionID) gofakes3.ObjectDeleteResult {
	res := gofakes3.ObjectDeleteResult{VersionID: id}
	versions := b.keys[key]
	if v := find(versions, id); v != nil {
		res.IsDeleteMarker = v.marker
	}
	if versions = without(versions, id); len(versions) == 0 {
		delete(b.keys, key)
	} else {
		b.keys[key] = versions
	}
	return res
}

func (s *store) DeleteMulti(bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	ids := make([]gofakes3.ObjectID, len(keys))
	for i, k := range keys {
		ids[i] = gofakes3.ObjectID{Key: k}
	}
	return s.DeleteMultiVersions(bucket, ids...)
}

// DeleteMultiVersions deletes each object as DeleteObject or
// DeleteObjectVersion would, and reports each as S3 does.
func (s *store) DeleteMultiVersions(bucket string, objects ...gofakes3.ObjectID) (gofakes3.MultiDeleteResult, error) {
	var out gofakes3.MultiDeleteResult
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return out, err
	}
	for _, o := range objects {
		if o.VersionID != "" {
			removeVersion(b, o.Key, unalias(gofakes3.VersionID(o.VersionID)))
		} else {
			s.remove(b, o.Key)
		}
		out.Deleted = append(out.Deleted, o)
	}
	return out, nil
}

func (s *store) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	return gofakes3.CopyObject(s, srcBucket, srcKey, dstBucket, dstKey, meta)
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
