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

// The fail-fast policy stops at the first OperationAborted; the patient one
// rides out the name's release and the bucket exists again.
func TestRecreateAfterDelete(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w, 500*time.Millisecond)
		require.NoError(t, err, w.String())

		assert.ErrorIs(t, out.FastErr, conflict.Transient)
		var ce *conflict.Error
		require.ErrorAs(t, out.FastErr, &ce)
		assert.Equal(t, "OperationAborted", ce.Code)
		assert.Equal(t, 1, ce.Attempts, "stopped at once")

		assert.Positive(t, out.Aborted, "the patient create met the release")
		assert.Equal(t, out.Aborted+1, out.Patient.Attempts)
		assert.True(t, out.Exists)
		assert.Empty(t, exampleenv.Leftovers(t, e, "tenant-"))
	})
}
