package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/retry"
)

// Attack on 6bc25ff: the proof skips listed versions whose Key is not the
// write's key byte for byte, and with none left takes the listing as
// complete. Keys a server may list otherwise than they were sent: an
// If-Match PutObject lands on a versioned bucket, its answer is lost,
// another writer overwrites the key, the resend is refused 412. Our write
// is a version of the key: never a plain refusal.
func TestAttack2OddKeysNeverALostRace(t *testing.T) {
	for i, key := range []string{"x//k", "x/./k", "x/../k", "k ", "caf\u0065\u0301", "a+b", "a%2Fb", "dir/"} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			both(t, func(t *testing.T, b backend) {
				ctx := context.Background()
				plain := b.client(nil)
				bucket := s3test.NewBucket(t, plain, false)
				s3test.EnableVersioning(t, plain, bucket)
				v0, err := plain.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key), Body: strings.NewReader("v0")})
				if err != nil {
					t.Skipf("key %q refused: %v", key, err)
				}
				lost := new(bool)
				c := b.client(nil, retry.OnConflict(fast), loseFirstAnswer(lost,
					func(r *http.Request) bool { return r.Method == http.MethodPut && r.Header.Get("If-Match") != "" },
					func() { s3test.Put(t, plain, bucket, key, "theirs") }))
				_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key), Body: strings.NewReader("mine"), IfMatch: v0.ETag})
				require.True(t, *lost, "the first send landed and its answer was lost")
				lv, lerr := plain.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: aws.String(key)})
				if lerr == nil {
					for _, v := range lv.Versions {
						t.Logf("key %q listed as %q (%s)", key, url.PathEscape(aws.ToString(v.Key)), aws.ToString(v.VersionId))
					}
				}
				if err != nil {
					assert.ErrorIs(t, err, retry.ErrAmbiguousWrite, "key %q: our write landed: never a plain %v", key, err)
				}
			})
		})
	}
}
