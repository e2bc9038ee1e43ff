package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
	"github.com/s3conflict/s3conflict/naming"
	"github.com/s3conflict/s3conflict/precheck"
	"github.com/s3conflict/s3conflict/retry"
)

// outcome is what the story found.
type outcome struct {
	PlainErr    error // the contract's delete without prechecks
	Retained    error // the contract's delete with prechecks
	Held        error // the evidence's delete with prechecks
	RetainUntil time.Time
	Sent        int  // DeleteObject requests the prechecked deletes sent
	Bypassed    bool // the contract's version is gone after the bypass
}

func story(ctx context.Context, e *exampleenv.Env, w io.Writer) (outcome, error) {
	var out outcome
	bucket, err := naming.Bucket("contracts")
	if err != nil {
		return out, err
	}
	plain := e.Client()
	client := e.Client(retry.OnConflict(), precheck.Enable())
	fmt.Fprintf(w, "object-lock against %s\n\n", e.Name)

	// 1. An Object Lock bucket, a retained contract, held evidence.
	_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket, ObjectLockEnabledForBucket: aws.Bool(true)})
	if err != nil {
		return out, err
	}
	defer e.Remove(bucket)
	out.RetainUntil = time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	contract, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("acme-2026.pdf"),
		Body: strings.NewReader("%PDF-1.7 ..."), ObjectLockMode: types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: &out.RetainUntil})
	if err != nil {
		return out, err
	}
	defer bypass(client, bucket, "acme-2026.pdf", contract.VersionId)
	evidence, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("evidence.log"),
		Body: strings.NewReader("..."), ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		return out, err
	}
	defer lift(client, bucket, "evidence.log", evidence.VersionId)
	fmt.Fprintf(w, "1. s3://%s: acme-2026.pdf retained (GOVERNANCE) until %s; evidence.log under legal hold\n",
		bucket, out.RetainUntil.Format(time.RFC3339))

	// 2. S3's own answer says little.
	_, out.PlainErr = plain.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("acme-2026.pdf"), VersionId: contract.VersionId})
	var api smithy.APIError
	if !errors.As(out.PlainErr, &api) {
		return out, fmt.Errorf("deleting a retained version without prechecks: %v, want S3's refusal (is Object Lock enforced here?)", out.PlainErr)
	}
	fmt.Fprintf(w, "2. DeleteObject of its version, no prechecks: S3 answers %s %q: no mode, no date\n", api.ErrorCode(), api.ErrorMessage())

	// 3. The precheck's refusal names the mode and date, or the hold.
	mark := e.Mark()
	_, out.Retained = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("acme-2026.pdf"), VersionId: contract.VersionId})
	_, out.Held = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("evidence.log"), VersionId: evidence.VersionId})
	for _, r := range e.Since(mark) {
		if r.Operation == "DeleteObject" {
			out.Sent++
		}
	}
	var pe *precheck.Error
	if !errors.As(out.Retained, &pe) || !errors.Is(out.Retained, precheck.ErrLocked) {
		return out, fmt.Errorf("deleting a retained version with prechecks: %v, want precheck.ErrLocked", out.Retained)
	}
	fmt.Fprintf(w, "3. the same with precheck.Enable(): not sent (DeleteObject requests: %d):\n   %v\n   Mode %s, RetainUntil %s\n",
		out.Sent, out.Retained, pe.Mode, pe.RetainUntil.Format(time.RFC3339))
	if !errors.As(out.Held, &pe) || !pe.LegalHold {
		return out, fmt.Errorf("deleting a held version with prechecks: %v, want a legal hold", out.Held)
	}
	fmt.Fprintf(w, "   evidence.log's version: not sent:\n   %v\n   LegalHold %v\n", out.Held, pe.LegalHold)

	// 4. GOVERNANCE can be bypassed on purpose.
	_, err = client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("acme-2026.pdf"),
		VersionId: contract.VersionId, BypassGovernanceRetention: aws.Bool(true)})
	if err != nil {
		return out, fmt.Errorf("deleting with BypassGovernanceRetention: %w", err)
	}
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("acme-2026.pdf"), VersionId: contract.VersionId})
	out.Bypassed = err != nil
	fmt.Fprintf(w, "4. with BypassGovernanceRetention: deleted; the version is gone: %v\n", out.Bypassed)
	return out, nil
}

// lift removes a legal hold, so that the version can be deleted.
func lift(c *s3.Client, bucket, key string, version *string) {
	_, _ = c.PutObjectLegalHold(context.Background(), &s3.PutObjectLegalHoldInput{Bucket: &bucket, Key: &key, VersionId: version,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	_, _ = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: version})
}

// bypass deletes a version under GOVERNANCE retention, if it is still there.
func bypass(c *s3.Client, bucket, key string, version *string) {
	_, _ = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key, VersionId: version,
		BypassGovernanceRetention: aws.Bool(true)})
}
