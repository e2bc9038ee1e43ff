package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

// Every write succeeds, every configuration reads back as written, and the
// log holds one retry decision per OperationAborted answer. (Whether the
// client's writes meet OperationAborted at all depends on whether it
// queues its own writes per bucket; the outcome must not.)
func TestConfigRace(t *testing.T) {
	e := exampleenv.InProcess(conflicttest.NewServer(t)) // versitygw answers 501 to lifecycle and public access block
	var w strings.Builder
	out, err := story(context.Background(), e, &w, settings{replicas: 3, apply: 10 * time.Millisecond})
	require.NoError(t, err, w.String())
	assert.Equal(t, 15, out.Writes)
	assert.Len(t, out.Converged, 5)
	for name, same := range out.Converged {
		assert.True(t, same, name)
	}
	assert.Equal(t, out.Aborted, strings.Count(w.String(), `msg="s3 conflict: retry"`), "one logged retry per OperationAborted")
	assert.Empty(t, exampleenv.Leftovers(t, e, "config-race-"))
}
