//go:build go1.25

package retry_test

import (
	"bytes"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/retry"
)

// incrLarge increments the counter in the first line of an object padded
// to 100 KiB, larger than the Updater caches (64 KiB): every update reads
// it afresh.
func incrLarge(cur []byte, _ bool) ([]byte, error) {
	line, _, _ := bytes.Cut(cur, []byte("\n"))
	n, _ := strconv.Atoi(string(line))
	out := append([]byte(strconv.Itoa(n+1)), '\n')
	return append(out, bytes.Repeat([]byte{'.'}, 100<<10)...), nil
}

// Writers in four processes that always have more to write take turns on
// an object larger than the Updater caches (each update reads it, and a
// waiter probes it with HeadObject), as on a small one. Time is virtual,
// 2 ms per answer.
func TestAttack8AlwaysBusyWritersTakeTurnsOnALargeObject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const writers, run = 4, 12 * time.Second
		bucket, key := "fair", "large"
		srv := slowServer(t, 2*time.Millisecond, bucket)
		r := takeTurns(t, srv, bucket, key, writers, run, incrLarge)
		line, _, _ := bytes.Cut([]byte(get(t, srv.Client(), bucket, key)), []byte("\n"))
		require.Equal(t, strconv.Itoa(r.total), string(line), "every update once")
		for i := range writers {
			assert.Zero(t, r.gaveUp[i], "writer %d: updates that gave up", i)
			assert.Less(t, r.slowest[i], retry.DefaultYieldAfter+time.Second, "writer %d", i)
		}
		t.Logf("updates per writer %v, slowest %v", r.made, r.slowest)
	})
}
