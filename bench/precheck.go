package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/precheck"
)

// prechecks counts the requests each check adds to the operation it
// guards: the first call on a new client (cold) and the second (warm, with
// whatever the first call cached). Counted, not timed: the stub answers as
// S3 does for a bucket the caller owns with nothing in the way.
func prechecks(e *env) (string, error) {
	var b strings.Builder
	b.WriteString("Requests the stub received per call, minus the call itself; one client per row, " +
		"`precheck.Enable()` with the row's option. Counted, not timed, so one run (" + e.machine + ", `" + e.command + "`).\n" +
		"Every check lets the call through here: the extra requests are the whole cost.\n\n")
	b.WriteString("| check | guarded call | bucket | extra requests cold | warm |\n|---|---|---|---|---|\n")
	ctx := context.Background()
	for _, c := range precheckCases() {
		stub := s3stub.NewFunc(answer(c.lock))
		client := stub.Client(precheck.Enable(c.opts))
		var extra [2]int
		for i := range extra {
			before := stub.Count()
			if err := c.call(ctx, client); err != nil {
				return "", fmt.Errorf("%s: %w", c.check, err)
			}
			extra[i] = stub.Count() - before - 1
		}
		bucket := "plain"
		if c.lock {
			bucket = "Object Lock"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %d |\n", c.check, c.what, bucket, extra[0], extra[1])
	}
	return b.String(), nil
}

type precheckCase struct {
	check, what string
	lock        bool
	opts        func(*precheck.Options)
	call        func(context.Context, *s3.Client) error
}

func precheckCases() []precheckCase {
	none := func(*precheck.Options) {}
	b, k := aws.String("b"), aws.String("k")
	delVersion := func(ctx context.Context, c *s3.Client) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: k, VersionId: aws.String("v1")})
		return err
	}
	return []precheckCase{
		{"CreateBucket", "CreateBucket", false, none, func(ctx context.Context, c *s3.Client) error {
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
			return err
		}},
		{"BucketName (opt-in)", "CreateBucket", false, func(o *precheck.Options) { o.BucketName = precheck.On },
			func(ctx context.Context, c *s3.Client) error {
				_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("valid-name")})
				return err
			}},
		{"DeleteBucket", "DeleteBucket", false, none, func(ctx context.Context, c *s3.Client) error {
			_, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b})
			return err
		}},
		{"LockedVersion", "DeleteObject with VersionId", false, none, delVersion},
		{"LockedVersion", "DeleteObject with VersionId", true, none, delVersion},
		{"UnversionedDelete (opt-in)", "DeleteObject without VersionId", false,
			func(o *precheck.Options) { o.UnversionedDelete = precheck.On },
			func(ctx context.Context, c *s3.Client) error {
				_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: k})
				return err
			}},
		{"SuspendOnLock", "PutBucketVersioning Suspended", false, none, func(ctx context.Context, c *s3.Client) error {
			_, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
			return err
		}},
	}
}

// answer is S3 for an empty bucket the caller may use: HeadBucket 404 (no
// such bucket yet), an empty version listing, versioning never enabled,
// Object Lock on or not, no retention and no legal hold.
func answer(lock bool) func(int, *http.Request) s3stub.Answer {
	return func(_ int, r *http.Request) s3stub.Answer {
		q := r.URL.Query()
		switch {
		case r.Method == http.MethodHead:
			return s3stub.Error(404, "NotFound")
		case q.Has("versions"):
			return s3stub.Answer{Body: `<ListVersionsResult><IsTruncated>false</IsTruncated></ListVersionsResult>`}
		case q.Has("versioning") && r.Method == http.MethodGet:
			return s3stub.Answer{Body: `<VersioningConfiguration/>`}
		case q.Has("object-lock") && lock:
			return s3stub.Answer{Body: `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>`}
		case q.Has("object-lock"):
			return s3stub.Error(404, "ObjectLockConfigurationNotFoundError")
		case q.Has("legal-hold"):
			return s3stub.Answer{Body: `<LegalHold><Status>OFF</Status></LegalHold>`}
		case q.Has("retention"):
			return s3stub.Error(404, "NoSuchObjectLockConfiguration")
		case r.Method == http.MethodDelete:
			return s3stub.Answer{Status: 204}
		}
		return s3stub.OK
	}
}
