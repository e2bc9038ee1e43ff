package conflicttest

import (
	"encoding/xml"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Accounts on the in-process server. Signatures are not checked: the
// access key ID a request is signed with says whose it is, and each bucket
// belongs to the account that created it. Re-creating one's own bucket
// answers 409 BucketAlreadyOwnedByYou, another account's 409
// BucketAlreadyExists; every other request on another account's bucket
// answers 403 AccessDenied (bucket policies are stored, not evaluated);
// ListBuckets lists one's own.

// caller returns the access key ID a request is signed with, from its
// Authorization header or a presigned URL; AccessKeyID when it has none.
func caller(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		if _, after, ok := strings.Cut(auth, "Credential="); ok {
			cred = after
		}
	}
	if id, _, ok := strings.Cut(cred, "/"); ok && id != "" {
		return id
	}
	return AccessKeyID
}

// owner returns a bucket's owner; a bucket the server did not see created
// (a backend given with WithBackend) is AccessKeyID's. b.mu is held.
func (b *bucketConfig) owner(bucket string) string {
	if o := b.state(bucket).owner; o != "" {
		return o
	}
	return AccessKeyID
}

// refuseStranger answers a request on another account's existing bucket
// and reports whether it did: CreateBucket 409 BucketAlreadyExists (or
// BucketAlreadyOwnedByYou for the owner), anything else 403 AccessDenied.
func (b *bucketConfig) refuseStranger(w http.ResponseWriter, r *http.Request, bucket string, create bool) bool {
	if ok, err := b.backend.BucketExists(bucket); err != nil || !ok {
		return false
	}
	b.mu.Lock()
	mine := b.owner(bucket) == caller(r)
	b.mu.Unlock()
	switch {
	case create && mine:
		b.fail(w, r, http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.")
	case create:
		b.fail(w, r, http.StatusConflict, "BucketAlreadyExists",
			"The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	case !mine:
		b.fail(w, r, http.StatusForbidden, "AccessDenied", "Access Denied")
	default:
		return false
	}
	return true
}

// listBuckets answers ListBuckets with the caller's buckets.
func (b *bucketConfig) listBuckets(w http.ResponseWriter, r *http.Request) {
	all, err := b.backend.ListBuckets()
	if err != nil {
		b.fail(w, r, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	type entry struct {
		Name         string
		CreationDate string
	}
	out := struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		Xmlns   string   `xml:"xmlns,attr"`
		Owner   struct{ ID, DisplayName string }
		Buckets []entry `xml:"Buckets>Bucket"`
	}{Xmlns: "http://s3.amazonaws.com/doc/2006-03-01/"}
	me := caller(r)
	out.Owner.ID, out.Owner.DisplayName = ownerID, me
	b.mu.Lock()
	for _, bk := range all {
		if b.owner(bk.Name) == me {
			out.Buckets = append(out.Buckets, entry{bk.Name, bk.CreationDate.UTC().Format(time.RFC3339)})
		}
	}
	b.mu.Unlock()
	sort.Slice(out.Buckets, func(i, j int) bool { return out.Buckets[i].Name < out.Buckets[j].Name })
	doc, _ := xml.Marshal(out)
	b.answer(w, http.StatusOK, "application/xml", doc)
}
