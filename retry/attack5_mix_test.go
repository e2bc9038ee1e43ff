//go:build go1.25

package retry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/retry"
)

// forgedTimes are write times a writer other than Updater puts on the
// object, in the write count's place (WritesMetadataKey).
var forgedTimes = []string{"7 9223372036854775807", "7 1", "7 abc", "garbage", "7 -5", "18446744073709551615 1",
	"7 99999999999999999999999", fmt.Sprintf("7 %d", time.Now().Add(100*365*24*time.Hour).UnixMicro())}

// Attack on 2940aa5: the times on the writes and the writer names in
// their tokens only choose between waiting and writing; they must never
// lose an update or apply one twice. Two busy writers whose tokens name
// the same writer (a 1 in 16 million draw), one whose clock jumps minutes
// back and forth every 37 ms, the other's running twice as fast, stream
// for a second, while 4 other Updaters make 8 updates each and a writer
// that is no Updater rewrites the object every 20 ms, content and tokens
// kept, its write time forged (far future, far past, garbage), and one
// write answer in 10 is lost. Every update that succeeded is in the final
// value once; none that failed for certain is.
func TestAttack5ForgedTimesAndSharedWriterNamesLoseNoUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		bucket, key := "mix", "list"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		lossy := func(seed uint64) func(*s3.Options) {
			return func(o *s3.Options) {
				o.HTTPClient = conflicttest.NewInjector(seed, conflicttest.Fault{Operation: "PutObject",
					LoseResponse: true, Probability: 0.1}).Client(o.HTTPClient)
			}
		}
		start := time.Now()
		jumpy := retry.NewUpdater(srv.Client(lossy(1)), func(o *retry.UpdateOptions) {
			o.Options.Now = func() time.Time {
				now := time.Now()
				return now.Add(time.Duration(now.Sub(start)/(37*time.Millisecond)%5-2) * time.Minute)
			}
		})
		fast := retry.NewUpdater(srv.Client(lossy(2)), func(o *retry.UpdateOptions) {
			o.Options.Now = func() time.Time { now := time.Now(); return now.Add(now.Sub(start)) }
		})
		retry.SetWriter(jumpy, "SAME")
		retry.SetWriter(fast, "SAME")

		var mu sync.Mutex
		ok, failed := map[string]bool{}, map[string]bool{}
		ambiguous, forged := 0, 0
		update := func(u *retry.Updater, id string) {
			_, err := u.Update(ctx, bucket, key, func(cur []byte, _ bool) ([]byte, error) {
				return append(cur, id+" "...), nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok[id] = true
			case errors.Is(err, retry.ErrAmbiguousWrite):
				ambiguous++
			default:
				failed[id] = true
			}
		}
		var wg sync.WaitGroup
		for b, u := range []*retry.Updater{jumpy, fast} {
			wg.Go(func() {
				for i := 0; time.Since(start) < time.Second; i++ {
					update(u, fmt.Sprintf("b%d-%d", b, i))
				}
			})
		}
		for w := range 4 {
			u := retry.NewUpdater(srv.Client(lossy(uint64(10 + w))))
			for i := range 8 {
				wg.Go(func() {
					time.Sleep(time.Duration(i*w) * 7 * time.Millisecond)
					update(u, fmt.Sprintf("w%d-%d", w, i))
				})
			}
		}
		stranger := srv.Client()
		wg.Go(func() {
			for i := 0; time.Since(start) < 1200*time.Millisecond; i++ {
				time.Sleep(20 * time.Millisecond)
				out, err := stranger.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
				if err != nil {
					continue
				}
				body, err := io.ReadAll(out.Body)
				out.Body.Close()
				require.NoError(t, err)
				md := out.Metadata
				md[retry.WritesMetadataKey] = forgedTimes[i%len(forgedTimes)]
				_, err = stranger.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, IfMatch: out.ETag,
					Body: strings.NewReader(string(body)), Metadata: md, ContentType: aws.String("text/plain"),
					StorageClass: types.StorageClassStandard})
				if err == nil {
					mu.Lock()
					forged++
					mu.Unlock()
				}
			}
		})
		wg.Wait()

		seen := map[string]int{}
		for _, id := range strings.Fields(get(t, srv.Client(), bucket, key)) {
			seen[id]++
		}
		for id := range ok {
			assert.Equal(t, 1, seen[id], "update %s succeeded", id)
		}
		for id := range failed {
			assert.Zero(t, seen[id], "update %s failed for certain", id)
		}
		for id, n := range seen {
			assert.True(t, ok[id] || !failed[id], "%s is in the value %d times", id, n)
		}
		require.Positive(t, forged, "the stranger's writes all lost")
		t.Logf("%d updates succeeded, %d failed for certain, %d ambiguous, %d in the value; %d forged times written",
			len(ok), len(failed), ambiguous, len(seen), forged)
	})
}
