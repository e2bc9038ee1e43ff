package usermeta

import (
	"net/http"
	"strings"
)

// Limit is S3's limit on an object's user metadata: 2 KB, 2048 bytes, as
// counted by Size.
const Limit = 2048

// Prefix starts the name of every user-metadata header.
const Prefix = "x-amz-meta-"

// Size is what S3 counts against Limit: the UTF-8 bytes of every key and
// value of the metadata as the SDK's Metadata maps hold it (keys without
// Prefix).
func Size(md map[string]string) int {
	n := 0
	for k, v := range md {
		n += len(k) + len(v)
	}
	return n
}

// HeaderSize is Size of the user metadata in a request's headers: the
// x-amz-meta-* headers, each key without Prefix. Other headers do not
// count.
func HeaderSize(h http.Header) int {
	n := 0
	for k, v := range h {
		if name, ok := strings.CutPrefix(strings.ToLower(k), Prefix); ok {
			n += len(name) + len(strings.Join(v, ","))
		}
	}
	return n
}
