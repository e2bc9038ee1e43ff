package retry

import "context"

// Do calls op, and again as the Options decide while op returns S3 conflict
// errors: the same classification, policies, caps, logging and events as
// OnConflict, for any function — typically a sequence of S3 calls that must
// be repeated as a whole. The operation name is read from the
// *smithy.OperationError in op's error.
//
// Do cannot rewind request bodies or rename buckets: op must build its
// requests afresh on every call. Accept makes Do return nil. Do uses no
// budget unless Options.Budget names one; share a Budget between calls to
// bound what a storm adds.
func Do(ctx context.Context, op func(context.Context) error, optFns ...func(*Options)) error {
	l := newLoop(optFns, false)
	if l.opts.Disabled {
		return op(ctx)
	}
	start := l.opts.Now()
	err := op(ctx)
	if err == nil {
		return nil
	}
	t := &target{rewindable: true, canAccept: true}
	_, err = l.run(ctx, t, start, err, op)
	return err
}
