package conflicttest

import (
	"encoding/xml"
	"net/http"

	"github.com/johannesboyne/gofakes3"
)

// A CompleteMultipartUpload sent again: S3 (and versitygw) answer a
// Complete whose first answer was lost with the same result, for a while
// after the upload is gone; the store remembers every completion until
// its bucket is deleted.

// completion is what a completed upload answered.
type completion struct {
	bucket, key string
	version     gofakes3.VersionID
	etag        string
}

// completed returns what an upload of bucket/key answered when it was
// completed (false: it never was). An upload's completion is recorded
// under s.mu as the upload goes, so a Complete that finds no upload finds
// its completion.
func (s *store) completed(bucket, key string, id gofakes3.UploadID) (completion, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.done[id]
	return c, ok && c.bucket == bucket && c.key == key
}

// answerCompleted answers a completion: its version ID and ETag.
func (b *bucketConfig) answerCompleted(w http.ResponseWriter, r *http.Request, bucket, key string, c completion) {
	if c.version != "" {
		w.Header().Set("X-Amz-Version-Id", string(c.version))
	}
	doc, _ := xml.Marshal(gofakes3.CompleteMultipartUploadResult{Location: "http://" + r.Host + "/" + bucket + "/" + key,
		Bucket: bucket, Key: key, ETag: c.etag})
	b.answer(w, http.StatusOK, "application/xml", doc)
}
