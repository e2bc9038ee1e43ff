package conflicttest

import (
	"errors"
	"time"

	"github.com/johannesboyne/gofakes3"
)

// The store's Object Lock: retention and legal holds per version, and the
// deletes they refuse. Which buckets have Object Lock is bucketConfig's
// business; it calls these only for those.

// errLocked is the refusal of Object Lock: S3 answers it 403 AccessDenied
// with lockedMessage.
var errLocked = errors.New("object lock protects this version")

const lockedMessage = "Access Denied because object protected by object lock."

// The retention modes.
const (
	governance = "GOVERNANCE"
	compliance = "COMPLIANCE"
)

// lockedAt reports whether Object Lock keeps v at now: a legal hold, or a
// retention not yet over (GOVERNANCE yields to bypass).
func (v *objectVersion) lockedAt(now time.Time, bypass bool) bool {
	if v.hold {
		return true
	}
	if !now.Before(v.until) {
		return false
	}
	return v.mode == compliance || (v.mode == governance && !bypass)
}

// lock returns a copy of a version's lock fields.
func (s *store) lock(bucket, key string, id gofakes3.VersionID) (objectVersion, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, err := s.liveVersion(bucket, key, id)
	if err != nil {
		return objectVersion{}, err
	}
	return objectVersion{mode: v.mode, until: v.until, hold: v.hold, holdSet: v.holdSet}, nil
}

// setRetention sets a version's retention as S3 allows: a COMPLIANCE
// retention can only be extended, and a GOVERNANCE one shortened, removed
// or turned to another mode only with bypass (403 AccessDenied otherwise).
func (s *store) setRetention(bucket, key string, id gofakes3.VersionID, mode string, until time.Time, bypass bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.liveVersion(bucket, key, id)
	if err != nil {
		return err
	}
	if time.Now().Before(v.until) {
		weaker := until.Before(v.until) || (v.mode == compliance && mode != compliance)
		if weaker && (v.mode == compliance || !bypass) {
			return errLocked
		}
	}
	v.mode, v.until = mode, until
	return nil
}

// setLegalHold puts a legal hold on a version or takes it off.
func (s *store) setLegalHold(bucket, key string, id gofakes3.VersionID, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.liveVersion(bucket, key, id)
	if err != nil {
		return err
	}
	v.hold, v.holdSet = on, true
	return nil
}

// deleteUnlocked deletes one version as DeleteObjectVersion does, unless
// Object Lock keeps it (403 AccessDenied) or, when ifMatch is set, its
// condition fails as in deleteIfMatch.
func (s *store) deleteUnlocked(bucket, key string, id gofakes3.VersionID, bypass bool, ifMatch string) (gofakes3.ObjectDeleteResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	if ifMatch != "" {
		if err := s.deleteCondition(bucket, key, id, ifMatch); err != nil {
			return gofakes3.ObjectDeleteResult{}, err
		}
	}
	if v := find(b.keys[key], unalias(id)); v != nil && v.lockedAt(time.Now(), bypass) {
		return gofakes3.ObjectDeleteResult{}, errLocked
	}
	return removeVersion(b, key, unalias(id)), nil
}

// deleteManyUnlocked is DeleteObjects on an Object Lock bucket: each
// locked version is reported as an AccessDenied error, the rest deleted.
func (s *store) deleteManyUnlocked(bucket string, objects []gofakes3.ObjectID, bypass bool) (gofakes3.MultiDeleteResult, error) {
	var out gofakes3.MultiDeleteResult
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bucket(bucket)
	if err != nil {
		return out, err
	}
	now := time.Now()
	for _, o := range objects {
		id := unalias(gofakes3.VersionID(o.VersionID))
		switch v := find(b.keys[o.Key], id); {
		case o.VersionID == "":
			s.remove(b, o.Key)
		case v != nil && v.lockedAt(now, bypass):
			out.Error = append(out.Error, gofakes3.ErrorResult{Key: o.Key, Code: "AccessDenied",
				Message: lockedMessage})
			continue
		default:
			removeVersion(b, o.Key, id)
		}
		out.Deleted = append(out.Deleted, o)
	}
	return out, nil
}

// latestID returns the ID of a key's latest version, "" in a bucket that
// never had versioning.
func (s *store) latestID(bucket, key string) gofakes3.VersionID {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b := s.buckets[bucket]
	if b == nil || b.versioning == "" || len(b.keys[key]) == 0 {
		return ""
	}
	return b.keys[key][len(b.keys[key])-1].id
}
