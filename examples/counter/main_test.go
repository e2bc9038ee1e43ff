package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// Every increment lands exactly once through retry.Updater, with the model
// making overlapping conditional writes conflict; the bucket is gone after.
func TestCounter(t *testing.T) {
	exampleenv.Each(t, func(t *testing.T, e *exampleenv.Env) {
		var w strings.Builder
		out, err := story(context.Background(), e, &w, settings{workers: 4, increments: 5, write: 5 * time.Millisecond})
		require.NoError(t, err, w.String())
		assert.Equal(t, 20, out.Want)
		assert.Equal(t, 20, out.Got, "no lost update, none applied twice")
		assert.LessOrEqual(t, out.Naive, 20)
		assert.Contains(t, w.String(), "the counter says 20 ")
		assert.Empty(t, exampleenv.Leftovers(t, e, "counter-"))
	})
}
