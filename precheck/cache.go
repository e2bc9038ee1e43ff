package precheck

import (
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// facts caches what the checks learned about buckets, per client. Object
// Lock enabled is kept for good (it cannot be turned off; a bucket deleted
// and re-created without it is caught by re-reading before any refusal,
// see toRefuse, as is any other cached fact that would refuse a call);
// everything else (ownership proven, versioning, no Object Lock) for the
// TTL. Facts are forgotten on this client's own DeleteBucket and
// CreateBucket of the name. A fact only ever saves a request: when it is missing or old,
// the check asks S3 again.
type facts struct {
	ttl time.Duration // negative: cache nothing
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucketFacts
}

type bucketFacts struct {
	ownedAt    time.Time // when the bucket was last proven ours; zero: never
	lockKnown  bool
	lock       bool
	lockAt     time.Time
	versioning types.BucketVersioningStatus
	versionAt  time.Time
}

func newFacts(ttl time.Duration, now func() time.Time) *facts {
	if ttl == 0 {
		ttl = DefaultFactTTL
	}
	return &facts{ttl: ttl, now: now, buckets: map[string]*bucketFacts{}}
}

// lock returns the cached Object Lock fact of bucket.
func (f *facts) lock(bucket string) (enabled, ok bool) {
	if f.ttl < 0 {
		return false, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.buckets[bucket]
	if b == nil || !b.lockKnown {
		return false, false
	}
	if b.lock {
		return true, true // Object Lock can never be turned off
	}
	return false, f.now().Sub(b.lockAt) < f.ttl
}

func (f *facts) setLock(bucket string, enabled bool) {
	if f.ttl < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.get(bucket)
	b.lockKnown, b.lock, b.lockAt = true, enabled, f.now()
}

// forgetLock drops the Object Lock fact of bucket (S3 would not say).
func (f *facts) forgetLock(bucket string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b := f.buckets[bucket]; b != nil {
		b.lockKnown = false
	}
}

// versioning returns the cached versioning status of bucket.
func (f *facts) versioning(bucket string) (types.BucketVersioningStatus, bool) {
	if f.ttl < 0 {
		return "", false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.buckets[bucket]
	if b == nil || b.versionAt.IsZero() || f.now().Sub(b.versionAt) >= f.ttl {
		return "", false
	}
	return b.versioning, true
}

func (f *facts) setVersioning(bucket string, s types.BucketVersioningStatus) {
	if f.ttl < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.get(bucket)
	b.versioning, b.versionAt = s, f.now()
}

// owned reports whether bucket was proven ours within the TTL.
func (f *facts) owned(bucket string) bool {
	if f.ttl < 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.buckets[bucket]
	return b != nil && !b.ownedAt.IsZero() && f.now().Sub(b.ownedAt) < f.ttl
}

func (f *facts) setOwned(bucket string) {
	if f.ttl < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.get(bucket).ownedAt = f.now()
}

// forget drops what is known of bucket's versioning (this client changed
// it) or of the whole bucket (deleted or re-created).
func (f *facts) forget(bucket string, all bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if all {
		delete(f.buckets, bucket)
		return
	}
	if b := f.buckets[bucket]; b != nil {
		b.versionAt = time.Time{}
	}
}

// get returns bucket's entry, creating it; f.mu is held.
func (f *facts) get(bucket string) *bucketFacts {
	b := f.buckets[bucket]
	if b == nil {
		b = &bucketFacts{}
		f.buckets[bucket] = b
	}
	return b
}
