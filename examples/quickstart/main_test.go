package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/versitygw"
)

var vgw *versitygw.Server

func TestMain(m *testing.M) { os.Exit(versitygw.Main(m, &vgw)) }

// The story's outcome, checked step by step, against the in-process
// server and against versitygw through the real-endpoint path.
func TestStory(t *testing.T) {
	targets := map[string]func(t *testing.T) target{
		"in-process": func(t *testing.T) target {
			srv := conflicttest.NewServer(t)
			return target{name: "in-process", cfg: srv.Config, pathStyle: true, storm: 300 * time.Millisecond}
		},
		"versitygw": func(t *testing.T) target {
			versitygw.Need(t, vgw)
			return target{name: "versitygw", cfg: vgw.Config(versitygw.Root), pathStyle: true, storm: 300 * time.Millisecond}
		},
	}
	for name, mk := range targets {
		t.Run(name, func(t *testing.T) {
			tg := mk(t)
			rows, err := story(context.Background(), tg)
			require.NoError(t, err)
			require.Len(t, rows, 6)

			assert.NoError(t, rows[0].Err, "create")
			assert.Equal(t, "ok", rows[0].Decision)

			assert.NoError(t, rows[1].Err, "the storm is ridden out")
			assert.Equal(t, "retried", rows[1].Decision)
			assert.Greater(t, rows[1].Attempts, 1)
			assert.True(t, rows[1].Forced)
			assert.Equal(t, "OperationAborted", rows[1].Code)

			assert.NoError(t, rows[2].Err, "re-creating an owned bucket is success")
			assert.Equal(t, conflict.AlreadyOwned, rows[2].Kind)

			assert.ErrorIs(t, rows[3].Err, conflict.NameTaken)
			assert.Equal(t, 1, rows[3].Attempts)

			assert.NoError(t, rows[4].Err)
			assert.True(t, strings.HasPrefix(rows[4].Decision, "renamed to someone-elses-"), rows[4].Decision)

			assert.ErrorIs(t, rows[5].Err, conflict.NotEmpty)
			assert.Equal(t, 0, rows[5].Attempts, "refused before sending")

			var out strings.Builder
			print(&out, tg, rows)
			assert.Contains(t, out.String(), "OperationAborted")

			// Everything the story created is gone.
			c := s3.NewFromConfig(tg.cfg, func(o *s3.Options) { o.UsePathStyle = true })
			lb, err := c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
			require.NoError(t, err)
			for _, b := range lb.Buckets {
				assert.False(t, strings.HasPrefix(*b.Name, "quickstart-") || strings.HasPrefix(*b.Name, "someone-elses-"), "left behind: %s", *b.Name)
			}
		})
	}
}
