package precheck_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/versitygw"
)

var vgw *versitygw.Server

func TestMain(m *testing.M) { os.Exit(versitygw.Main(m, &vgw)) }

var seq atomic.Int64

func bucketName(t *testing.T) string {
	base := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	return fmt.Sprintf("%s-%d-%d", strings.Trim(base, "-"), time.Now().UnixNano()%1e6, seq.Add(1))
}

// counted returns a versitygw client (root account) whose requests are
// recorded by inj, then optFns.
func counted(t *testing.T, optFns ...func(*s3.Options)) (*s3.Client, *conflicttest.Injector) {
	t.Helper()
	versitygw.Need(t, vgw)
	inj := conflicttest.NewInjector(1)
	c := vgw.Client(versitygw.Root, append([]func(*s3.Options){func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) }}, optFns...)...)
	return c, inj
}

// plain is an unchecked client for setting up state.
func plain(t *testing.T) *s3.Client {
	versitygw.Need(t, vgw)
	return vgw.Client(versitygw.Root)
}

func mkBucket(t *testing.T, c *s3.Client, lock bool) string {
	t.Helper()
	name := bucketName(t)
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &name, ObjectLockEnabledForBucket: aws.Bool(lock)})
	require.NoError(t, err)
	return name
}

func put(t *testing.T, c *s3.Client, bucket, key string) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("data")})
	require.NoError(t, err)
	return out
}

func enableVersioning(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	_, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
}

// ops lists the operations inj saw, in order.
func ops(inj *conflicttest.Injector) []string {
	var s []string
	for _, r := range inj.Records() {
		s = append(s, r.Operation)
	}
	return s
}
