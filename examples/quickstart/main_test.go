package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// The story's outcome, checked step by step, against the in-process
// server, versitygw, and versitygw through the standard AWS environment.
func TestStory(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		rows, err := story(context.Background(), e, 300*time.Millisecond)
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
		print(&out, e, rows)
		assert.Contains(t, out.String(), "OperationAborted")

		// Everything the story created is gone.
		assert.Empty(t, exampleenv.Leftovers(t, e, "quickstart-"))
		assert.Empty(t, exampleenv.Leftovers(t, e, "someone-elses-"))
	})
}
