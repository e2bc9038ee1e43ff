package naming

import (
	"strings"
	"unicode/utf8"
)

// A Rule is one naming rule. Every rule is a value of this package (such as
// [BucketCharset]) and an error: errors.Is(err, naming.BucketCharset) tells
// which rule a name broke. Rules are immutable and safe to share.
type Rule struct {
	ID   string // a short, stable name, such as "bucket-charset"
	Text string // what the rule requires
	sets ruleSet
	// check returns the byte offset of the first fault, or -1 when the
	// name passes. An offset of len(name) means "the name as a whole".
	check func(name string) int
}

// Error returns the rule's text.
func (r *Rule) Error() string { return r.Text }

type ruleSet uint8

const (
	general         ruleSet = 1 << iota // general purpose bucket
	directory                           // <base>--<zone-id>--x-s3
	accountRegional                     // <prefix>-<account>-<region>-an
	key                                 // any object key
	strictKey                           // a key that is safe everywhere
)

// The bucket rules, in the order they are checked. The rule set of a name
// is chosen by its suffix: "--x-s3" makes it a directory bucket name, a
// well-formed "-<12-digit account>-<region>-an" an account-regional name,
// anything else a general purpose name.
var (
	BucketLength = &Rule{ID: "bucket-length", Text: "a bucket name has 3 to 63 characters",
		sets: general | directory | accountRegional, check: func(s string) int {
			if len(s) < 3 || len(s) > 63 {
				return len(s)
			}
			return -1
		}}
	BucketCharset = &Rule{ID: "bucket-charset", Text: "a bucket name has only lowercase letters, digits, dots and hyphens",
		sets: general | accountRegional, check: func(s string) int { return firstNotIn(s, true) }}
	DirectoryCharset = &Rule{ID: "directory-charset", Text: "a directory bucket name has only lowercase letters, digits and hyphens (no dots)",
		sets: directory, check: func(s string) int { return firstNotIn(s, false) }}
	BucketEdges = &Rule{ID: "bucket-edges", Text: "a bucket name begins and ends with a letter or a digit",
		sets: general | directory | accountRegional, check: func(s string) int {
			if s == "" || !alnum(s[0]) {
				return 0
			}
			if !alnum(s[len(s)-1]) {
				return len(s) - 1
			}
			return -1
		}}
	BucketAdjacentDots = &Rule{ID: "bucket-adjacent-dots", Text: "a bucket name has no two adjacent dots",
		sets: general | accountRegional, check: func(s string) int { return strings.Index(s, "..") }}
	BucketDotHyphen = &Rule{ID: "bucket-dot-hyphen", Text: "a new bucket name has no hyphen next to a dot (each label is a DNS label)",
		sets: general | accountRegional, check: func(s string) int {
			if i := strings.Index(s, ".-"); i >= 0 {
				return i
			}
			return strings.Index(s, "-.")
		}}
	BucketIPAddress = &Rule{ID: "bucket-ip-address", Text: "a bucket name is not formatted like an IPv4 address",
		sets: general, check: func(s string) int {
			if ipShaped(s) {
				return len(s)
			}
			return -1
		}}
	BucketReservedPrefix = &Rule{ID: "bucket-reserved-prefix", Text: "a bucket name does not begin with xn--, sthree- or amzn-s3-demo-",
		sets: general | directory | accountRegional, check: func(s string) int {
			for _, p := range reservedPrefixes {
				if strings.HasPrefix(s, p) {
					return 0
				}
			}
			return -1
		}}
	BucketReservedSuffix = &Rule{ID: "bucket-reserved-suffix",
		Text: "a general purpose bucket name does not end with -s3alias, --ol-s3, .mrap, --x-s3, --table-s3, or -an (only account-regional names <prefix>-<account>-<region>-an)",
		sets: general, check: func(s string) int {
			for _, x := range reservedSuffixes {
				if strings.HasSuffix(s, x) {
					return len(s) - len(x)
				}
			}
			return -1
		}}
	DirectoryFormat = &Rule{ID: "directory-format", Text: "a directory bucket name is <base>--<zone-id>--x-s3, such as logs--usw2-az1--x-s3",
		sets: directory, check: func(s string) int {
			if _, ok := splitDirectory(s); ok {
				return -1
			}
			return len(s)
		}}
	AccountRegionalFormat = &Rule{ID: "account-regional-format", Text: "an account-regional bucket name is <prefix>-<12-digit account id>-<region>-an",
		sets: accountRegional, check: func(s string) int {
			if _, ok := splitAccountRegional(s); ok {
				return -1
			}
			return len(s)
		}}
)

// The key rules. KeyLength and KeyUTF8 apply to every key; the rest only
// in strict mode ([ValidateKeyStrict]).
var (
	KeyLength = &Rule{ID: "key-length", Text: "an object key has 1 to 1024 bytes",
		sets: key | strictKey, check: func(s string) int {
			if len(s) < 1 || len(s) > 1024 {
				return len(s)
			}
			return -1
		}}
	KeyUTF8 = &Rule{ID: "key-utf8", Text: "an object key is valid UTF-8",
		sets: key | strictKey, check: func(s string) int {
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n <= 1 {
					return i
				}
				i += n
			}
			return -1
		}}
	KeyStrictCharset = &Rule{ID: "key-strict-charset", Text: "a strict object key has only 0-9 a-z A-Z ! - _ . * ' ( ) and / as a delimiter",
		sets: strictKey, check: func(s string) int {
			for i := 0; i < len(s); i++ {
				if !safeKeyByte[s[i]] {
					return i
				}
			}
			return -1
		}}
	KeyStrictSegments = &Rule{ID: "key-strict-segments", Text: `a strict object key has no empty, "." or ".." path segment and is not "soap"`,
		sets: strictKey, check: func(s string) int {
			if s == "soap" {
				return 0
			}
			start := 0
			for i := 0; i <= len(s); i++ {
				if i < len(s) && s[i] != '/' {
					continue
				}
				seg := s[start:i]
				if seg == "." || seg == ".." || (seg == "" && i < len(s)) {
					return start
				}
				start = i + 1
			}
			return -1
		}}
)

// rules is the one table every validation walks, in order.
var rules = []*Rule{
	BucketLength, BucketCharset, DirectoryCharset, BucketEdges, BucketAdjacentDots, BucketDotHyphen,
	BucketIPAddress, BucketReservedPrefix, BucketReservedSuffix, DirectoryFormat, AccountRegionalFormat,
	KeyLength, KeyUTF8, KeyStrictCharset, KeyStrictSegments,
}

// Rules returns every rule, in the order they are checked.
func Rules() []*Rule { return append([]*Rule(nil), rules...) }

var (
	reservedPrefixes = [...]string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedSuffixes = [...]string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3", "-an"}
)

var safeKeyByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!-_.*'()/" {
		t[c] = true
	}
	return t
}()

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func firstNotIn(s string, dots bool) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if alnum(c) || c == '-' || (dots && c == '.') {
			continue
		}
		return i
	}
	return -1
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ipShaped reports four dot-separated groups of 1 to 3 digits.
func ipShaped(s string) bool {
	for range 3 {
		i := strings.IndexByte(s, '.')
		if i < 1 || i > 3 || !digits(s[:i]) {
			return false
		}
		s = s[i+1:]
	}
	return len(s) >= 1 && len(s) <= 3 && digits(s)
}

// splitDirectory splits "<base>--<zone>--x-s3"; the zone id is letters and
// digits in hyphen-separated groups ending with "az<digits>" (usw2-az1,
// use1-bos1-az1).
func splitDirectory(s string) (base int, ok bool) {
	rest, found := strings.CutSuffix(s, "--x-s3")
	if !found {
		return 0, false
	}
	i := strings.LastIndex(rest, "--")
	if i < 1 {
		return 0, false
	}
	zone := rest[i+2:]
	j := strings.LastIndex(zone, "-az")
	if j < 1 || !digits(zone[j+3:]) || firstNotIn(zone, false) >= 0 || !alnum(zone[0]) || strings.Contains(zone, "--") {
		return 0, false
	}
	if !alnum(rest[i-1]) {
		return 0, false
	}
	return i, true
}

// splitAccountRegional splits "<prefix>-<account>-<region>-an" and returns
// the length of the prefix.
func splitAccountRegional(s string) (prefix int, ok bool) {
	rest, found := strings.CutSuffix(s, "-an")
	if !found {
		return 0, false
	}
	// the region: two letters, one or more hyphenated words, a number
	for i := len(rest) - 14; i >= 1; i-- {
		if rest[i-1] != '-' || !digits(rest[i:i+12]) || rest[i+12] != '-' || !region(rest[i+13:]) {
			continue
		}
		if i-1 < 1 {
			return 0, false
		}
		return i - 1, true
	}
	return 0, false
}

// region reports an AWS region name: us-east-1, ap-southeast-2, us-gov-west-1.
func region(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts) < 3 || len(parts[0]) != 2 || !digits(parts[len(parts)-1]) {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 'a' || p[i] > 'z' {
				return false
			}
		}
	}
	return true
}
