//go:build go1.25

package retry_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// Pin of bd64023 under attack: another program rewrites the key every
// 100 ms with the metadata it read (a fresh 16-character token, the
// Updater's write count and time) and HeldMetadataKey forged (huge,
// negative, not a number, as the Updater wrote it), while one Updater
// with the default yield updates it without pause for 10 s, its clock
// agreeing with the writes' times or 1 h off. Every update lands once,
// and the Updater yields no more often than once per YieldAfter (5 s) of
// its own writing: 1 yield in each case (4900 updates, 17-28 rewrites
// of the other program landed). Time is virtual, 2 ms per answer.
func TestAttack10ForgedHeldDoesNotMakeAWriterYield(t *testing.T) {
	const run = 10 * time.Second
	for _, c := range []struct {
		held string // "": as the Updater wrote it
		skew time.Duration
	}{
		{"", 0}, {"4294967295", 0}, {"-1", 0}, {"abc", time.Hour}, {"99999999999999999999", -time.Hour},
	} {
		t.Run(fmt.Sprintf("%q skew %v", c.held, c.skew), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				bucket, key := "forged", "counter"
				srv := slowServer(t, 2*time.Millisecond, bucket)
				cl := srv.Client()
				var yields atomic.Int32
				u := retry.NewUpdater(cl, countYields(&yields), skewed(c.skew))
				_, err := u.Update(ctx, bucket, key, retry.Incr)
				require.NoError(t, err)
				var wg sync.WaitGroup
				stop := time.Now().Add(run)
				made, rewrites := 1, 0
				wg.Go(func() {
					for time.Now().Before(stop) {
						_, err := u.Update(ctx, bucket, key, retry.Incr)
						require.NoError(t, err)
						made++
					}
				})
				wg.Go(func() {
					for time.Now().Before(stop) {
						time.Sleep(100 * time.Millisecond)
						out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
						require.NoError(t, err)
						b, err := io.ReadAll(out.Body)
						require.NoError(t, err)
						require.NoError(t, out.Body.Close())
						md := out.Metadata
						md[retry.TokenMetadataKey] = fmt.Sprintf("zzzzAAAAAAAA%04d", rewrites)
						if c.held != "" {
							md[retry.HeldMetadataKey] = c.held
						}
						_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key,
							Body: bytes.NewReader(b), Metadata: md, IfMatch: out.ETag})
						if err == nil {
							rewrites++
						}
					}
				})
				wg.Wait()
				t.Logf("updates %d, rewrites %d, yields %d", made, rewrites, yields.Load())
				assert.Equal(t, strconv.Itoa(made), get(t, cl, bucket, key), "every update once")
				assert.Positive(t, rewrites, "the other program's rewrites landed")
				assert.LessOrEqual(t, yields.Load(), int32(run/retry.DefaultYieldAfter), "yields")
			})
		})
	}
}
