package conflicttest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// subresources maps a bucket-level query subresource to the noun of its
// operations: PUT ?tagging is PutBucketTagging, GET GetBucketTagging, DELETE
// DeleteBucketTagging.
var bucketSubresources = []struct{ query, noun string }{
	{"tagging", "BucketTagging"}, {"versioning", "BucketVersioning"}, {"policy", "BucketPolicy"},
	{"lifecycle", "BucketLifecycleConfiguration"}, {"cors", "BucketCors"}, {"encryption", "BucketEncryption"},
	{"object-lock", "ObjectLockConfiguration"}, {"publicAccessBlock", "PublicAccessBlock"},
	{"acl", "BucketAcl"}, {"replication", "BucketReplication"}, {"website", "BucketWebsite"},
	{"notification", "BucketNotificationConfiguration"}, {"ownershipControls", "BucketOwnershipControls"},
	{"logging", "BucketLogging"}, {"location", "BucketLocation"}, {"accelerate", "BucketAccelerateConfiguration"},
	{"requestPayment", "BucketRequestPayment"}, {"policyStatus", "BucketPolicyStatus"},
	{"intelligent-tiering", "BucketIntelligentTieringConfiguration"}, {"analytics", "BucketAnalyticsConfiguration"},
	{"inventory", "BucketInventoryConfiguration"}, {"metrics", "BucketMetricsConfiguration"},
}

var objectSubresources = []struct{ query, noun string }{
	{"tagging", "ObjectTagging"}, {"retention", "ObjectRetention"}, {"legal-hold", "ObjectLegalHold"},
	{"acl", "ObjectAcl"}, {"attributes", "ObjectAttributes"}, {"torrent", "ObjectTorrent"},
}

var verbs = map[string]string{http.MethodPut: "Put", http.MethodGet: "Get", http.MethodDelete: "Delete"}

// Operation names the S3 operation of an HTTP request from its method, the
// bucket and key it addresses and its query, as the S3 API model names it
// ("PutObject", "PutBucketTagging", "CompleteMultipartUpload"). It returns
// "" for a request it cannot name.
func Operation(method, bucket, key string, query url.Values, header http.Header) string {
	has := func(q string) bool { _, ok := query[q]; return ok }
	copySource := header.Get("X-Amz-Copy-Source") != ""
	switch {
	case bucket == "":
		if method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	case key == "":
		for _, s := range bucketSubresources {
			if has(s.query) {
				if s.query == "location" && method == http.MethodGet {
					return "GetBucketLocation"
				}
				if s.query == "lifecycle" && method == http.MethodDelete {
					return "DeleteBucketLifecycle"
				}
				if v, ok := verbs[method]; ok {
					return v + s.noun
				}
				return ""
			}
		}
		switch {
		case has("versions") && method == http.MethodGet:
			return "ListObjectVersions"
		case has("uploads") && method == http.MethodGet:
			return "ListMultipartUploads"
		case has("delete") && method == http.MethodPost:
			return "DeleteObjects"
		case has("session") && method == http.MethodGet:
			return "CreateSession"
		}
		switch method {
		case http.MethodPut:
			return "CreateBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodGet:
			if query.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
			return "ListObjects"
		case http.MethodPost:
			return "PostObject"
		}
		return ""
	}
	for _, s := range objectSubresources {
		if has(s.query) {
			if v, ok := verbs[method]; ok {
				return v + s.noun
			}
			return ""
		}
	}
	switch {
	case has("uploads") && method == http.MethodPost:
		return "CreateMultipartUpload"
	case has("restore") && method == http.MethodPost:
		return "RestoreObject"
	case has("uploadId"):
		switch method {
		case http.MethodPut:
			if copySource {
				return "UploadPartCopy"
			}
			return "UploadPart"
		case http.MethodPost:
			return "CompleteMultipartUpload"
		case http.MethodDelete:
			return "AbortMultipartUpload"
		case http.MethodGet:
			return "ListParts"
		}
		return ""
	}
	switch method {
	case http.MethodPut:
		if copySource {
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodGet:
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodDelete:
		return "DeleteObject"
	}
	return ""
}

// target reads the bucket and key a request addresses: path style
// (http://host/bucket/key) unless the host name starts with a bucket label
// in front of an S3 endpoint (bucket.s3.region.amazonaws.com, or any host
// that is not an IP address and whose first label is not "s3" or "localhost").
func target(r *http.Request) (bucket, key string) {
	p := r.URL.EscapedPath()
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	p = strings.TrimPrefix(p, "/")
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host != "" && net.ParseIP(host) == nil {
		labels := strings.Split(host, ".")
		first := labels[0]
		if len(labels) > 2 && !strings.HasPrefix(first, "s3") && first != "localhost" {
			return first, p // virtual-hosted style
		}
	}
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// isConfigWrite reports whether a request writes a bucket's configuration:
// a PUT or DELETE of a bucket sub-resource (?policy, ?tagging, ...).
func isConfigWrite(method, key string, query url.Values) bool {
	if key != "" || (method != http.MethodPut && method != http.MethodDelete) {
		return false
	}
	for _, s := range bucketSubresources {
		if _, ok := query[s.query]; ok {
			return true
		}
	}
	return false
}
