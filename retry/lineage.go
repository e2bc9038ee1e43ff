package retry

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/s3conflict/s3conflict/internal/usermeta"
)

// LineageMetadataKey is the user-metadata key (x-amz-meta-s3conflict-lineage)
// in which Updater writes the tokens of the writes before the current one,
// newest first: a write carries its own token under TokenMetadataKey and
// its predecessors here.
//
// Why: when the answer to a conditional write is lost and another writer
// has replaced the object since, the object no longer carries our token
// under TokenMetadataKey, yet it contains our update. The lineage still
// names our token, so a re-read proves the update committed and it is not
// applied twice. It also proves the opposite: when the lineage names the
// write we based ours on but not ours, ours never landed.
const LineageMetadataKey = "s3conflict-lineage"

// WritesMetadataKey is the user-metadata key (x-amz-meta-s3conflict-writes)
// in which Updater counts its writes of an object, in decimal: one more
// than the object it replaced carried (1 when that carried none), followed,
// when S3's 2 KB of user metadata leave room, by a space and when the
// write was made, in microseconds since 1970 by the writer's clock
// ("57 1764172800123456").
//
// Why: an update that waits for a busy key reads it now and then, and
// must tell a writer that keeps committing from one that has stopped. The
// count says how many writes came between two reads (the lineage counts
// only up to its 32 tokens, fewer than a busy writer makes in one wait);
// the time says how long ago the last one was made, measured against how
// far the writer's clock is from the reader's (the least difference seen
// between a write's time and a read of it), so the clocks need not agree.
// The first 4 characters of an Updater's tokens (TokenMetadataKey) name
// the Updater, so that a reader tells one writer's writes from another's.
// None of this proves anything about a write; the token and the lineage
// do that.
const WritesMetadataKey = "s3conflict-writes"

// Lineage limits. A token is 16 characters; at most maxLineage of them
// (32, 544 bytes) are kept, fewer when the object's own user metadata
// leaves less of S3's 2 KB (usermeta.Limit) free.
const (
	maxLineage = 32
	// rootMark ends a lineage that reaches back to the write that created
	// the object (If-None-Match: "*").
	rootMark = "^"
)

// newToken returns a fresh random token, 16 characters of base64url.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// lineageOf reads a head token, a lineage and a write count (0: none)
// from an object's metadata.
func lineageOf(md map[string]string) (token string, lineage []string, writes uint64) {
	if l := md[LineageMetadataKey]; l != "" {
		lineage = strings.Fields(l)
	}
	count, _, _ := strings.Cut(md[WritesMetadataKey], " ")
	writes, _ = strconv.ParseUint(count, 10, 64)
	return md[TokenMetadataKey], lineage, writes
}

// wroteAt reads when the object's last write was made, by its writer's
// clock, from an object's metadata (see stampTime); zero when it does not
// say.
func wroteAt(md map[string]string) time.Time {
	count, at, ok := strings.Cut(md[WritesMetadataKey], " ")
	if _, err := strconv.ParseUint(count, 10, 64); err != nil || !ok {
		return time.Time{}
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil || us <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(us)
}

// stampTime adds to md's write count when the write is made (at, in
// microseconds since 1970), if S3's 2 KB of user metadata leave room.
func stampTime(md map[string]string, at time.Time) {
	v, ok := md[WritesMetadataKey]
	if !ok {
		return
	}
	stamp := " " + strconv.FormatInt(at.UnixMicro(), 10)
	if usermeta.Size(md)+len(stamp) <= usermeta.Limit {
		md[WritesMetadataKey] = v + stamp
	}
}

// writerLen is how many characters of an Updater's tokens name the
// Updater (random, 24 bits); the other 12 (72 bits) are each write's own.
const writerLen = 4

// tokenOf returns a fresh token of the writer named writer (writerLen
// characters of base64url).
func tokenOf(writer string) string {
	return writer + newToken()[writerLen:]
}

// writerOf returns the writer a token names; "" for a token that is not
// 16 characters long.
func writerOf(token string) string {
	if len(token) != 16 {
		return ""
	}
	return token[:writerLen]
}

// ownMetadata reports a user-metadata key Updater writes.
func ownMetadata(key string) bool {
	return key == TokenMetadataKey || key == LineageMetadataKey || key == WritesMetadataKey || key == YieldMetadataKey ||
		key == HeldMetadataKey
}

// stampMetadata returns a copy of user (the object's own metadata, ours
// removed) with token and the lineage that follows a snapshot whose head
// is prev: prev, then its lineage, as far as S3's limit allows, then the
// write count (WritesMetadataKey) if it fits in what is left. When not
// even the token fits, it returns user unchanged and false: the write goes
// out without proof.
func stampMetadata(user map[string]string, token string, s *snapshot) (map[string]string, bool) {
	free := usermeta.Limit - usermeta.Size(user) - len(TokenMetadataKey) - len(token)
	if free < 0 {
		return user, false
	}
	md := make(map[string]string, len(user)+3)
	for k, v := range user {
		md[k] = v
	}
	md[TokenMetadataKey] = token
	var chain []string
	switch {
	case !s.exists:
		chain = []string{rootMark}
	case s.token != "":
		chain = append([]string{s.token}, s.lineage...)
	}
	room := free - len(LineageMetadataKey)
	writes := strconv.FormatUint(s.writes+1, 10)
	var b strings.Builder
	for i, t := range chain {
		if i == maxLineage || b.Len()+1+len(t) > room ||
			i >= keepLineage && b.Len()+1+len(t) > room-stampRoom(writes) {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	if b.Len() > 0 {
		md[LineageMetadataKey] = b.String()
		free = room - b.Len()
	}
	// The count proves nothing: it takes only the room the lineage left.
	if free >= len(WritesMetadataKey)+len(writes) {
		md[WritesMetadataKey] = writes
	}
	return md, true
}

// keepLineage is how many tokens of the lineage (8) go before the write
// count, its time and HeldMetadataKey (see stampRoom) when the object's
// own user metadata leaves too little of S3's 2 KB for all.
const keepLineage = 8

// stampRoom is the room the write count writes (WritesMetadataKey), its
// time (stampTime, 16 digits) and HeldMetadataKey (up to 6 digits) take:
// what the lineage leaves them beyond its first keepLineage tokens.
// Without them a writer that takes the key from another one takes on none
// of the key's time without a yield: with 1500 bytes of the object's own
// user metadata, the lineage took them all, and an update waiting behind
// a chain of writers each holding the key 700 ms gave up (MaxRounds) in 4
// of 6 runs.
func stampRoom(writes string) int {
	return len(WritesMetadataKey) + len(writes) + 1 + 16 + len(HeldMetadataKey) + 6
}

// pendingWrite is a conditional write whose answer may not tell the truth
// (a 412 after a resend, a lost answer): what a re-read needs to prove it.
type pendingWrite struct {
	token string // "" when the write carried none
	// base is what the write was conditioned on: rootMark for an absent
	// object, the head token of the object it replaced, or "" when that
	// object carried no token.
	base string
	// clean: every send of the write was answered, and refused (409 or
	// 412): it never landed.
	clean bool
	// size is the length of the content the write was made from: what a
	// take of the key downloads (see settle).
	size int64
	// yield is the yield the write carries (see YieldMetadataKey); "": none.
	yield string
	// began is when the round that sends it began, after its waits: the
	// Updater worked on the key without a pause from then on (see hold).
	began time.Time
	// since is when the key's time without a yield began, as the write
	// reckons it (see holdSince); zero: at its commit.
	since time.Time
	// known is when the state it was made from was known
	// (snapshot.known): another writer's writes on top of base came since.
	known time.Time
}

// verdict is what a re-read proves about a pendingWrite.
type verdict uint8

const (
	notLanded verdict = iota // the write never landed: safe to apply again
	landed                   // the object contains the write
	unproven                 // cannot be told: never guess
)

// judge compares the current state cur with w. The proofs assume that
// every writer of the key either goes through Updater or leaves its
// metadata out, that the key is not deleted meanwhile, and that content
// does not return to an identical earlier value (A, B, A) while a write's
// answer is being settled.
func judge(w pendingWrite, cur *snapshot) verdict {
	inChain := func(t string) bool {
		return cur.exists && t != "" && (cur.token == t || slices.Contains(cur.lineage, t))
	}
	switch {
	case inChain(w.token):
		return landed
	case w.clean:
		return notLanded
	case w.base == rootMark:
		// Had ours created the object, its chain would end at ours; a
		// complete chain (or no object) without it proves it never did.
		if !cur.exists || (len(cur.lineage) > 0 && cur.lineage[len(cur.lineage)-1] == rootMark) {
			return notLanded
		}
	case inChain(w.base):
		// Ours could only have followed base; base is there and ours is
		// not. (Unless, between our send and this read, content returned
		// to an identical earlier value and a writer holding that earlier
		// state wrote over it: its lineage leaves out the writes between.)
		return notLanded
	}
	return unproven
}
