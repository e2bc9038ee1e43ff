package precheck_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/s3stub"
	"github.com/s3conflict/s3conflict/internal/s3test"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// A bucket of another account that lets us read it answers HeadBucket 200;
// with credentials that carry no account ID (plain access keys) that is
// access, not ownership. ListBuckets lists only our own buckets: it is not
// there, so CreateBucket goes to S3, which says BucketAlreadyExists. Never
// "created".
func TestCreateBucketReadableStrangersIsNotOurs(t *testing.T) {
	versitygw.Need(t, vgw)
	// versitygw's root lists every bucket: the stranger is root, we are
	// the second account, granted read access by a bucket policy.
	root := plain(t)
	name := s3test.NewBucket(t, root, false)
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + versitygw.Other.AccessKey +
		`"]},"Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::` + name + `","arn:aws:s3:::` + name + `/*"]}]}`
	_, err := root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &name, Policy: &pol})
	require.NoError(t, err)

	inj := conflicttest.NewInjector(1)
	c := vgw.Client(versitygw.Other, func(o *s3.Options) { o.HTTPClient = inj.Client(o.HTTPClient) },
		retry.OnConflict(), precheck.Enable())
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &name})
	require.NoError(t, err, "readable by us")
	inj.Reset()

	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
	if err == nil {
		res, _ := retry.ResultOf(out.ResultMetadata)
		t.Fatalf("a stranger's bucket reported as created (accepted: %v), requests %v", res.Accepted, ops(inj))
	}
	require.ErrorIs(t, err, conflict.NameTaken)
	assert.NotErrorIs(t, err, conflict.AlreadyOwned)
	assert.Equal(t, []string{"HeadBucket", "ListBuckets", "CreateBucket"}, ops(inj))
}

// Without an account ID and without the right to list buckets, ownership
// cannot be proven: the precheck neither accepts nor sends, and says so;
// retry.OnConflict does not take that for success.
func TestCreateBucketOwnershipUnproven(t *testing.T) {
	stub := s3stub.NewFunc(func(_ int, r *http.Request) s3stub.Answer {
		if r.Method == http.MethodHead {
			return s3stub.OK // exists, accessible
		}
		if r.URL.Path == "/" { // ListBuckets
			return s3stub.Error(403, "AccessDenied")
		}
		return s3stub.OK
	})
	for name, opts := range map[string][]func(*s3.Options){
		"precheck":       {precheck.Enable()},
		"precheck+retry": {retry.OnConflict(), precheck.Enable()},
	} {
		t.Run(name, func(t *testing.T) {
			before := stub.Count()
			_, err := stub.Client(opts...).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared-name")})
			require.ErrorIs(t, err, precheck.ErrOwnershipUnproven)
			assert.NotErrorIs(t, err, conflict.AlreadyOwned)
			var pe *precheck.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "shared-name", pe.Bucket)
			var seq []string
			for _, r := range stub.Requests()[before:] {
				seq = append(seq, opOf(r))
			}
			assert.Equal(t, []string{"HeadBucket", "ListBuckets"}, seq, "CreateBucket never sent")
		})
	}
}

// Our own bucket, proven by ListBuckets: not re-created (in us-east-1 that
// would answer 200 and reset its ACLs). The proof is cached: the next
// check costs HeadBucket alone.
func TestCreateBucketOwnedProvenByListing(t *testing.T) {
	name := s3test.NewBucket(t, plain(t), false)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable())
	for i, want := range [][]string{{"HeadBucket", "ListBuckets", "GetBucketAcl"}, {"HeadBucket"}} {
		inj.Reset()
		out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
		require.NoError(t, err)
		res, ok := retry.ResultOf(out.ResultMetadata)
		require.True(t, ok)
		assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
		assert.Equal(t, want, ops(inj), "call %d", i+1)
	}
}

// A lost answer to the ownership listing is resent by the SDK (the checks'
// own client keeps the user's retryer): the proof still holds and
// CreateBucket is not sent.
func TestCreateBucketOwnershipListingLost(t *testing.T) {
	name := s3test.NewBucket(t, plain(t), false)
	inj := conflicttest.NewInjector(1, conflicttest.Fault{Operation: "ListBuckets", LoseResponse: true, Times: 1})
	noWait := func(o *s3.Options) {
		o.HTTPClient = inj.Client(o.HTTPClient)
		o.Retryer = awsretry.NewStandard(func(so *awsretry.StandardOptions) {
			so.Backoff = awsretry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	c := vgw.Client(versitygw.Root, noWait, retry.OnConflict(), precheck.Enable())
	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name})
	require.NoError(t, err)
	res, _ := retry.ResultOf(out.ResultMetadata)
	assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
	assert.Equal(t, []string{"HeadBucket", "ListBuckets", "ListBuckets", "GetBucketAcl"}, ops(inj))
}

// versitygw's root account lists every account's buckets, so its listing
// names a stranger's bucket: the listing carries its requester as Owner,
// and GetBucketAcl gives the bucket's owner, another: not accepted as ours
// (unproven, CreateBucket not sent). Our own bucket is still proven.
func TestCreateBucketAdminListingIsNoProof(t *testing.T) {
	versitygw.Need(t, vgw)
	theirs := s3test.NewBucket(t, vgw.Client(versitygw.Other), false)
	mine := s3test.NewBucket(t, plain(t), false)
	c, inj := counted(t, retry.OnConflict(), precheck.Enable())

	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &theirs})
	require.ErrorIs(t, err, precheck.ErrOwnershipUnproven, "a stranger's bucket is never accepted as ours")
	assert.NotErrorIs(t, err, conflict.AlreadyOwned)
	assert.Equal(t, []string{"HeadBucket", "ListBuckets", "GetBucketAcl"}, ops(inj), "CreateBucket not sent")

	inj.Reset()
	out, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &mine})
	require.NoError(t, err)
	res, _ := retry.ResultOf(out.ResultMetadata)
	assert.Equal(t, conflict.AlreadyOwned, res.Accepted)
	assert.Equal(t, []string{"HeadBucket", "ListBuckets", "GetBucketAcl"}, ops(inj))
}
