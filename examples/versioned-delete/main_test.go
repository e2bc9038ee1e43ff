package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/precheck"
)

// A delete without VersionId keeps every version; the opt-in check refuses
// it; deleting by VersionId removes them; a full bucket is refused unsent;
// EmptyFirst empties it (versions, markers, the upload) and deletes it.
func TestVersionedDelete(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w)
		require.NoError(t, err, w.String())
		assert.Equal(t, versions{Versions: 3, Markers: 1}, out.AfterPlainDelete, "the trap: nothing deleted")
		assert.ErrorIs(t, out.RefusedErr, precheck.ErrWouldAddDeleteMarker)
		assert.Equal(t, versions{}, out.AfterProper)
		assert.ErrorIs(t, out.NotEmptyErr, conflict.NotEmpty)
		assert.Zero(t, out.DeleteBucketSent, "refused before sending")
		assert.Equal(t, 3, out.Emptied.Deleted, "2 versions and 1 marker")
		assert.Equal(t, 1, out.Emptied.Aborted)
		assert.True(t, out.Gone)
		assert.Empty(t, exampleenv.Leftovers(t, e, "reports-"))
	})
}
