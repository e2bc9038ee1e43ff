package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/precheck"
)

// On versitygw, which enforces Object Lock: S3's refusal is a bare
// AccessDenied; the precheck's names GOVERNANCE and the date, or the legal
// hold, and sends no delete; the bypass deletes.
func TestObjectLock(t *testing.T) {
	e := exampleenv.Real(conflicttest.NewRealServer(t)).Admin() // the administrator may bypass GOVERNANCE
	var w strings.Builder
	start := time.Now()
	out, err := story(context.Background(), e, &w)
	require.NoError(t, err, w.String())

	var api smithy.APIError
	require.True(t, errors.As(out.PlainErr, &api))
	assert.Equal(t, "AccessDenied", api.ErrorCode())

	var pe *precheck.Error
	require.ErrorAs(t, out.Retained, &pe)
	assert.ErrorIs(t, out.Retained, precheck.ErrLocked)
	assert.Equal(t, types.ObjectLockRetentionModeGovernance, pe.Mode)
	assert.True(t, pe.RetainUntil.Equal(out.RetainUntil), "%v, want %v", pe.RetainUntil, out.RetainUntil)
	assert.WithinDuration(t, start.Add(24*time.Hour), pe.RetainUntil, time.Hour)
	require.True(t, errors.As(out.Retained, &api), "S3's answer is in the chain")
	assert.Equal(t, "AccessDenied", api.ErrorCode())

	require.ErrorAs(t, out.Held, &pe)
	assert.ErrorIs(t, out.Held, precheck.ErrLocked)
	assert.True(t, pe.LegalHold)

	assert.Zero(t, out.Sent, "no delete sent")
	assert.True(t, out.Bypassed)
	assert.Empty(t, exampleenv.Leftovers(t, e, "contracts-"))
}
