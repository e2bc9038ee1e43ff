package conflicttest

import (
	"maps"
	"slices"

	"github.com/johannesboyne/gofakes3"
)

// The store's listings: ListObjects (V1 and V2) and ListObjectVersions, in
// key order, with prefixes, delimiters and pages.

// ListBucket lists the keys whose latest version is not a delete marker.
func (s *store) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, err := s.bucket(name)
	if err != nil {
		return nil, err
	}
	out := gofakes3.NewObjectList()
	var n int64
	var match gofakes3.PrefixMatch
	lastPrefix := ""
	for _, k := range slices.Sorted(maps.Keys(b.keys)) {
		if page.HasMarker && k <= page.Marker {
			continue
		}
		latest := b.keys[k][len(b.keys[k])-1]
		if latest.marker || !prefix.Match(k, &match) {
			continue
		}
		if match.CommonPrefix && match.MatchedPart == lastPrefix {
			out.NextMarker = k // the next page starts after the whole group
			continue
		}
		if page.MaxKeys > 0 && n >= page.MaxKeys {
			out.IsTruncated = true
			break
		}
		if match.CommonPrefix {
			lastPrefix = match.MatchedPart
			out.AddPrefix(match.MatchedPart)
		} else {
			out.Add(&gofakes3.Content{Key: k, LastModified: gofakes3.NewContentTime(latest.modified),
				ETag: latest.eTag(), Size: int64(len(latest.body))})
		}
		out.NextMarker = k
		n++
	}
	if !out.IsTruncated {
		out.NextMarker = ""
	}
	return out, nil
}

// ListBucketVersions lists every version and delete marker, keys in order
// and each key's versions newest first, as S3 does; MaxKeys counts versions.
func (s *store) ListBucketVersions(name string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := gofakes3.NewListBucketVersionsResult(name, prefix, page)
	b, err := s.bucket(name)
	if err != nil {
		return out, err
	}
	var n int64
	var match gofakes3.PrefixMatch
	full := func() bool { return page.MaxKeys > 0 && n >= page.MaxKeys }
	for _, k := range slices.Sorted(maps.Keys(b.keys)) {
		if page.HasKeyMarker && (k < page.KeyMarker || (k == page.KeyMarker && !page.HasVersionIDMarker)) {
			continue
		}
		if !prefix.Match(k, &match) {
			continue
		}
		if match.CommonPrefix {
			if !full() {
				out.AddPrefix(match.MatchedPart)
			}
			continue
		}
		versions := b.keys[k]
		skipping := page.HasVersionIDMarker && k == page.KeyMarker
		for i := len(versions) - 1; i >= 0; i-- {
			v := versions[i]
			if skipping {
				skipping = v.id != unalias(page.VersionIDMarker)
				continue
			}
			if full() {
				out.IsTruncated = true
				return out, nil
			}
			out.Versions = append(out.Versions, versionItem(k, v, i == len(versions)-1))
			out.NextKeyMarker, out.NextVersionIDMarker = k, v.id
			n++
		}
	}
	out.NextKeyMarker, out.NextVersionIDMarker = "", ""
	return out, nil
}

func versionItem(key string, v *objectVersion, latest bool) gofakes3.VersionItem {
	modified := gofakes3.NewContentTime(v.modified)
	if v.marker {
		return &gofakes3.DeleteMarker{Key: key, VersionID: v.id, IsLatest: latest, LastModified: modified}
	}
	return &gofakes3.Version{Key: key, VersionID: v.id, IsLatest: latest, LastModified: modified,
		Size: int64(len(v.body)), ETag: v.eTag()}
}
