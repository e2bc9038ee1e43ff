package precheck_test

import (
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/versitygw"
)

var vgw *versitygw.Server

func TestMain(m *testing.M) { os.Exit(versitygw.Main(m, &vgw)) }

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

// ops lists the operations inj saw, in order.
func ops(inj *conflicttest.Injector) []string {
	var s []string
	for _, r := range inj.Records() {
		s = append(s, r.Operation)
	}
	return s
}
