package integration

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/versitygw"
	"github.com/s3conflict/s3conflict/retry"
)

var vgw *versitygw.Server

func TestMain(m *testing.M) { os.Exit(versitygw.Main(m, &vgw)) }

// backend is one S3 server the suite runs against.
type backend struct {
	name string
	// client returns a client of the main account with the injector in
	// front of its HTTP client, then optFns.
	client func(inj *conflicttest.Injector, optFns ...func(*s3.Options)) *s3.Client
	// other returns a client of a second account (nil: not supported).
	other func(optFns ...func(*s3.Options)) *s3.Client
}

func inject(inj *conflicttest.Injector) func(*s3.Options) {
	return func(o *s3.Options) {
		if inj != nil {
			o.HTTPClient = inj.Client(o.HTTPClient)
		}
	}
}

func versity(t *testing.T) backend {
	t.Helper()
	versitygw.Need(t, vgw)
	return backend{
		name: "versitygw",
		client: func(inj *conflicttest.Injector, optFns ...func(*s3.Options)) *s3.Client {
			return vgw.Client(versitygw.Root, append([]func(*s3.Options){inject(inj)}, optFns...)...)
		},
		other: func(optFns ...func(*s3.Options)) *s3.Client { return vgw.Client(versitygw.Other, optFns...) },
	}
}

func inProcess(t *testing.T) backend {
	srv := conflicttest.NewServer(t)
	return backend{
		name: "in-process",
		client: func(inj *conflicttest.Injector, optFns ...func(*s3.Options)) *s3.Client {
			return srv.Client(append([]func(*s3.Options){inject(inj)}, optFns...)...)
		},
		other: func(optFns ...func(*s3.Options)) *s3.Client { return srv.OtherClient(optFns...) },
	}
}

// both runs fn against each backend as a subtest.
func both(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("versitygw", func(t *testing.T) { fn(t, versity(t)) })
	t.Run("in-process", func(t *testing.T) { fn(t, inProcess(t)) })
}

// fast is a short backoff for tests that inject a few conflicts.
func fast(o *retry.Options) {
	o.Backoff = func() backoff.BackOff { return backoff.NewConstantBackOff(5 * time.Millisecond) }
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}
