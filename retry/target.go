package retry

import (
	"context"
	"time"

	"github.com/s3conflict/s3conflict/conflict"
)

// target is what the loop knows of one call, and what it has done so far.
type target struct {
	op                    string
	bucket, key, uploadID string
	// rewind prepares a resend; nil when there is nothing to rewind.
	rewind func() error
	// rewindable is false for a body that cannot seek.
	rewindable bool
	// canAccept reports whether Accept can produce a result.
	canAccept bool
	// rename switches the request to a new bucket name; nil: no renaming.
	rename func(name string)
	// params is the call's input, read for bucket, key and upload id at
	// its first conflict (fieldsOf); nil when they are set already.
	params any
	// accepted is set by run to the kind it accepted as success.
	accepted conflict.Kind
	// meter counts the call's decisions on the client's meter; nil: none.
	meter *meter
	// refused reports an answer that says a conditional write was not
	// made; resolve tells whether our own earlier send was made after all.
	// nil: no conditional write, a refusal is a lost race.
	refused func(kind conflict.Kind, err error) bool
	resolve func(ctx context.Context) resolution
	// held is the bucket lane the call holds, if any (coordination).
	held held

	// Set by run.
	id     string        // the call's id, made at its first conflict
	waited time.Duration // the waits so far
}

// resolution is what a 412 to a conditional write turned out to be.
type resolution uint8

const (
	lostRace  resolution = iota // another writer won
	ours                        // our own earlier send landed: success
	ambiguous                   // cannot be proven either way
)
