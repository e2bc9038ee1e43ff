package usermeta_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// Headers and the SDK's map of the same metadata have one size: keys
// without the prefix, bytes not runes; other headers do not count.
func TestHeaderSizeIsSize(t *testing.T) {
	md := map[string]string{"token": "é1", "k": ""}
	h := http.Header{}
	for k, v := range md {
		h.Set(usermeta.Prefix+k, v)
	}
	h.Set("X-Amz-Date", "20260101T000000Z")
	h.Set("Content-Type", "text/plain")
	assert.Equal(t, 5+3+1, usermeta.Size(md))
	assert.Equal(t, usermeta.Size(md), usermeta.HeaderSize(h))
}
