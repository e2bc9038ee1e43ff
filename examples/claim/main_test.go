package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// Every job is done by exactly one worker, the one S3 names as its owner,
// and every other worker is told that one won — with claim answers lost.
func TestClaim(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w, settings{workers: 5, jobs: 4, lose: 0.3})
		require.NoError(t, err, w.String())
		require.Len(t, out.Done, 4)
		for job, done := range out.Done {
			require.Len(t, done, 1, job)
			assert.Equal(t, out.Owner[job], done[0], job)
			assert.Len(t, out.Told[job], 4, job)
			for _, told := range out.Told[job] {
				assert.Equal(t, done[0], told, job)
			}
		}
		assert.Positive(t, out.Lost, "answers were lost")
		assert.LessOrEqual(t, out.Proven, out.Lost)
		assert.Empty(t, exampleenv.Leftovers(t, e, "claim-"))
	})
}
