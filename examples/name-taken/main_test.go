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

// A taken name stops the call; with rename a bucket under another name of
// the same prefix is created and used; the stranger's bucket gets nothing.
func TestNameTaken(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w)
		require.NoError(t, err, w.String())
		assert.ErrorIs(t, out.FirstErr, conflict.NameTaken)
		var ce *conflict.Error
		require.ErrorAs(t, out.FirstErr, &ce)
		assert.Equal(t, 1, ce.Attempts, "a taken name is not resent")
		assert.True(t, strings.HasPrefix(out.Final, "invoices-"), out.Final)
		assert.NotEqual(t, out.Wanted, out.Final)
		assert.Equal(t, 1, out.Stored)
		if e.HasOther() {
			assert.Equal(t, 0, out.StrangerGot, "nothing reached the stranger's bucket")
		}
		assert.Empty(t, exampleenv.Leftovers(t, e, "invoices-"), "the final bucket is removed")
	})
}
