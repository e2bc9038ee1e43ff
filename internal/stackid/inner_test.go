package stackid

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ownExpress struct{}

func (ownExpress) Retrieve(context.Context, string) (aws.Credentials, error) {
	return aws.Credentials{}, nil
}

// The inner client is built once and shares nothing s3.New mutates with
// the user's client; a provider of the user's own is kept.
func TestInnerClient(t *testing.T) {
	var so *s3.Options
	outer := s3.New(s3.Options{Region: "us-east-1"}, func(o *s3.Options) {
		o.APIOptions = make([]func(*middleware.Stack) error, 0, 4) // room an append could write into
		so = o
	})
	var in Inner
	c := in.Client(so)
	assert.Same(t, c, in.Client(so), "one client per registration")
	assert.NotSame(t, outer.Options().ExpressCredentials, c.Options().ExpressCredentials)
	assert.True(t, isDefaultExpress(c.Options().ExpressCredentials), "the SDK's default, a fresh one")
	require.Zero(t, len(so.APIOptions))
	assert.Nil(t, so.APIOptions[:1][0], "the user's API options are untouched")

	own := ownExpress{}
	var so2 *s3.Options
	s3.New(s3.Options{Region: "us-east-1", ExpressCredentials: own}, func(o *s3.Options) { so2 = o })
	var in2 Inner
	assert.Equal(t, own, in2.Client(so2).Options().ExpressCredentials)
}
