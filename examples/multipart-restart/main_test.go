package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// By hand the conflict leaves a dead upload open; UploadMultipart restarts
// once, stores exactly the bytes and leaves nothing open.
func TestMultipartRestart(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w)
		require.NoError(t, err, w.String())
		assert.ErrorIs(t, out.HandErr, conflict.RestartUpload)
		assert.Equal(t, 1, out.OpenBefore, "the dead upload stays open")
		assert.Equal(t, 2, out.Creates, "one restart")
		assert.Equal(t, 1, out.Aborts, "the dead upload aborted")
		assert.True(t, out.Same)
		assert.Equal(t, 0, out.OpenAfter)
		assert.Empty(t, exampleenv.Leftovers(t, e, "multipart-"))
	})
}
