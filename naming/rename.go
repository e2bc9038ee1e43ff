package naming

import (
	"strings"
)

// Rename returns a fresh name for a bucket whose name was taken: the
// renames argument is ignored, it is there so that Rename plugs into
// retry.Options.Rename as is:
//
//	retry.OnConflict(func(o *retry.Options) { o.Rename = naming.Rename })
//
// The new name keeps what identifies the bucket and replaces the rest with a
// unique suffix (see [Generator.Rename]).
func Rename(taken string, renames int) (string, error) {
	return defaultGenerator.Rename(taken, renames)
}

// Rename derives a fresh, unique name from taken:
//
//   - the kind's fixed tail stays: a directory bucket keeps its
//     "--<zone-id>--x-s3" (its endpoint is derived from it), an
//     account-regional name its "-<account>-<region>-an";
//   - the prefix is what remains of the rest once a suffix made by this
//     package is removed (so renaming a renamed name does not grow it);
//     a hand-written name is its own prefix, cut at a hyphen or dot (or
//     else at the length limit) when it is too long to take a suffix,
//     with trailing hyphens and dots trimmed;
//   - a unique suffix is added, as Bucket does.
//
// After a rename the original name belongs to someone else: use the new
// name from then on (retry.FinalBucket reads it from the output), and send
// ExpectedBucketOwner on later calls.
func (g *Generator) Rename(taken string, _ int) (string, error) {

	base, tail := taken, ""
	switch KindOf(taken) {
	case Directory:
		if i, ok := splitDirectory(taken); ok {
			base, tail = taken[:i], taken[i:]
		}
	case AccountRegional:
		if i, ok := splitAccountRegional(taken); ok {
			base, tail = taken[:i], taken[i:]
		}
	}
	base = stripSuffix(base)
	room := 63 - len(tail) - BucketSuffixLen
	if room < 0 {
		room = 0
	}
	if len(base) > room {
		cut := base[:room]
		if i := strings.LastIndexAny(cut, "-."); i > room/2 {
			cut = cut[:i]
		}
		base = cut
	}
	base = strings.TrimRight(base, "-.")
	return g.bucket(base, tail)
}

// stripSuffix removes a suffix made by this package ("-" and 23
// characters of the alphabet) from the end of base.
func stripSuffix(base string) string {
	n := BucketSuffixLen
	if len(base) < n {
		return base
	}
	s := base[len(base)-n:]
	if s[0] != '-' {
		if len(base) == n-1 && inAlphabet(base) {
			return "" // a bare suffix (Bucket(""))
		}
		return base
	}
	if !inAlphabet(s[1:]) {
		return base
	}
	return base[:len(base)-n]
}

func inAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
