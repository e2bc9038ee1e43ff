package conflicttest

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// The store's objects: reading, writing and deleting versions.

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
	v, err := b.version(key, id)
	if err != nil {
		return nil, err
	}
	obj := &gofakes3.Object{Name: key, Metadata: v.meta, Size: int64(len(v.body)), Hash: v.hash,
		IsDeleteMarker: v.marker, Contents: io.NopCloser(bytes.NewReader(nil))}
	if v.etag != "" {
		obj.Metadata = maps.Clone(v.meta)
		if obj.Metadata == nil {
			obj.Metadata = map[string]string{}
		}
		obj.Metadata[etagHeader] = v.etag
	}
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
	if err := checkConditions(b, key, cond); err != nil {
		return res, err
	}
	sum := md5.Sum(body)
	if _, ok := meta[etagHeader]; ok { // a copy of a multipart object: its own ETag is the MD5
		meta = maps.Clone(meta)
		delete(meta, etagHeader)
	}
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

// version returns a key's version by ID, or its latest for id "": 404
// NoSuchKey when the key has none, NoSuchVersion when the ID is not there.
// s.mu is held.
func (b *storeBucket) version(key string, id gofakes3.VersionID) (*objectVersion, error) {
	versions := b.keys[key]
	if id != "" {
		if v := find(versions, unalias(id)); v != nil {
			return v, nil
		}
		return nil, gofakes3.ErrNoSuchVersion
	}
	if len(versions) == 0 {
		return nil, gofakes3.KeyNotFound(key)
	}
	return versions[len(versions)-1], nil
}

// liveVersion is version, except that a delete marker is no object: 404
// NoSuchKey. s.mu is held.
func (s *store) liveVersion(bucket, key string, id gofakes3.VersionID) (*objectVersion, error) {
	b, err := s.bucket(bucket)
	if err != nil {
		return nil, err
	}
	v, err := b.version(key, id)
	if err == nil && v.marker {
		return nil, gofakes3.KeyNotFound(key)
	}
	return v, err
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

// deleteIfMatch is S3's conditional delete: DeleteObject, or
// DeleteObjectVersion when id is set, only if the version's ETag is etag
// ("*": any). It answers 412 PreconditionFailed when the ETag differs and
// 404 NoSuchKey when there is no such object (or its latest version is a
// delete marker), NoSuchVersion when there is no such version.
func (s *store) deleteIfMatch(bucket, key string, id gofakes3.VersionID, etag string) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deleteCondition(bucket, key, id, etag); err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	b := s.buckets[bucket]
	if id != "" {
		return removeVersion(b, key, unalias(id)), nil
	}
	return s.remove(b, key), nil
}

// deleteCondition checks a conditional delete's If-Match (etag) as
// deleteIfMatch says. s.mu is held.
func (s *store) deleteCondition(bucket, key string, id gofakes3.VersionID, etag string) error {
	v, err := s.liveVersion(bucket, key, id)
	if err != nil {
		return err
	}
	if etag != "*" && !v.hasETag(etag) {
		return errPreconditionFailed()
	}
	return nil
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
	meta = maps.Clone(meta)
	cond := conditions(meta[copyIfMatch], meta[copyIfNoneMatch])
	delete(meta, copyIfMatch)
	delete(meta, copyIfNoneMatch)
	src, err := s.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	// PutObject checks the conditions and writes under one lock.
	if _, err := s.PutObject(dstBucket, dstKey, meta, src.Contents, src.Size, cond); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{ETag: gofakes3.FormatETag(src.Hash), LastModified: gofakes3.NewContentTime(time.Now())}, nil
}

// The headers that carry a CopyObject's conditions to the store (see
// copyConditions); gofakes3 passes X-Amz- headers on as metadata.
const (
	copyIfMatch     = "X-Amz-Conflicttest-If-Match"
	copyIfNoneMatch = "X-Amz-Conflicttest-If-None-Match"
)
