package baseline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/internal/ctxwait"
	"github.com/s3conflict/s3conflict/internal/s3err"
)

// ObjectClient is what the read-modify-write loops call.
type ObjectClient interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// RMW is the read-modify-write loop people write by hand with conditional
// writes: read the object and its ETag, apply the change, write it with
// If-Match (If-None-Match: "*" when absent), and on 412 (or NoSuchKey,
// the key deleted since) read again and retry, up to Tries reads. It
// carries no token: a lost answer followed by a re-read applies the change
// again, and a 409 ConditionalRequestConflict is returned as is.
//
// Between a lost race and the next read it waits Wait(n) for the n-th lost
// race (from 1); nil waits nothing: the naive loop.
type RMW struct {
	Tries int // 0: 1000
	Wait  func(n int) time.Duration
	// Sleep waits for d or until ctx ends. nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NaiveRMW re-reads and resends at once.
func NaiveRMW() RMW { return RMW{} }

// Full-jitter backoff numbers of JitteredRMW: a random wait in [0, min(cap,
// base×2ⁿ⁻¹)] after the n-th lost race, as in the AWS Architecture Blog's
// "Exponential Backoff And Jitter".
const (
	JitterBase = 2 * time.Millisecond
	JitterCap  = 100 * time.Millisecond
)

// JitteredRMW waits a full-jitter exponential backoff after each lost
// race: random in [0, min(100 ms, 2 ms × 2ⁿ⁻¹)].
func JitteredRMW() RMW {
	return RMW{Wait: func(n int) time.Duration {
		ceil := JitterBase << min(n-1, 20)
		if ceil > JitterCap || ceil <= 0 {
			ceil = JitterCap
		}
		return time.Duration(rand.Int64N(int64(ceil) + 1))
	}}
}

// Update runs the loop once for bucket/key.
func (r RMW) Update(ctx context.Context, c ObjectClient, bucket, key string, fn func(cur []byte, exists bool) ([]byte, error)) error {
	tries, wait := r.Tries, r.Sleep
	if tries <= 0 {
		tries = 1000
	}
	if wait == nil {
		wait = ctxwait.Sleep
	}
	for n := 1; ; n++ {
		in := &s3.PutObjectInput{Bucket: &bucket, Key: &key}
		var cur []byte
		exists := false
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		switch {
		case err == nil:
			cur, err = io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil {
				return err
			}
			exists, in.IfMatch = true, out.ETag
		case s3err.Code(err) == "NoSuchKey":
			in.IfNoneMatch = aws.String("*")
		default:
			return err
		}
		next, err := fn(cur, exists)
		if err != nil {
			return err
		}
		in.Body = bytes.NewReader(next)
		_, err = c.PutObject(ctx, in)
		if err == nil {
			return nil
		}
		if !lost(err) {
			return err
		}
		if n >= tries {
			return fmt.Errorf("read-modify-write: %d tries lost: %w", n, err)
		}
		if r.Wait != nil {
			if err := wait(ctx, r.Wait(n)); err != nil {
				return err
			}
		}
	}
}

func lost(err error) bool {
	return s3err.Status(err) == http.StatusPreconditionFailed || s3err.Code(err) == "NoSuchKey"
}
