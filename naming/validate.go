package naming

import (
	"strconv"
	"strings"
)

// Error says which rule a name broke and where. errors.Is(err, rule) holds
// for the rule (naming.BucketCharset, ...); errors.As gives the details.
type Error struct {
	Name string // the name or key as given
	Rule *Rule  // the first rule it breaks
	// Pos is the byte offset of the first offending byte, or -1 when the
	// rule is about the name as a whole (its length, its format).
	Pos int
	// Prefix is set when the name was a prefix given to a generator.
	Prefix bool
}

// Error returns a short description, such as
// `bucket name "My_Bucket": a bucket name has only lowercase letters, digits, dots and hyphens (bucket-charset; 'M' at 0)`.
func (e *Error) Error() string {
	var b strings.Builder
	subject := "bucket name"
	if e.Rule.sets&(key|strictKey) != 0 {
		subject = "object key"
	}
	if e.Prefix {
		subject += " prefix"
	}
	b.WriteString(subject + " ")
	name := e.Name
	if len(name) > 80 {
		name = name[:80] + "…"
	}
	b.WriteString(strconv.Quote(name))
	b.WriteString(": " + e.Rule.Text + " (" + e.Rule.ID)
	switch {
	case e.Pos >= 0 && e.Pos < len(e.Name) && e.Name[e.Pos] < 0x80:
		b.WriteString("; " + strconv.QuoteRuneToASCII(rune(e.Name[e.Pos])) + " at " + strconv.Itoa(e.Pos))
	case e.Pos >= 0 && e.Pos < len(e.Name):
		b.WriteString("; byte 0x" + strconv.FormatUint(uint64(e.Name[e.Pos]), 16) + " at " + strconv.Itoa(e.Pos))
	case e.Rule == BucketLength || e.Rule == KeyLength:
		b.WriteString("; " + strconv.Itoa(len(e.Name)) + " given")
	}
	b.WriteByte(')')
	return b.String()
}

// Unwrap returns the rule, so that errors.Is(err, naming.BucketCharset) works.
func (e *Error) Unwrap() error { return e.Rule }

// validate walks the rule table for the rules of set.
func validate(name string, set ruleSet) error {
	for _, r := range rules {
		if r.sets&set == 0 {
			continue
		}
		if pos := r.check(name); pos >= 0 {
			if pos >= len(name) {
				pos = -1
			}
			return &Error{Name: name, Rule: r, Pos: pos}
		}
	}
	return nil
}

// BucketKind is which rule set a bucket name falls under.
type BucketKind uint8

// The bucket kinds.
const (
	GeneralPurpose  BucketKind = iota // any other name
	Directory                         // ends with --x-s3
	AccountRegional                   // ends with -<12-digit account>-<region>-an
)

// KindOf says which rule set applies to name: the reserved suffixes decide.
// A name ending with "--x-s3" is a directory bucket name; one ending with a
// well-formed "-<12-digit account id>-<region>-an" an account-regional name;
// anything else a general purpose name (which then may not end with "-an").
func KindOf(name string) BucketKind {
	switch {
	case strings.HasSuffix(name, "--x-s3"):
		return Directory
	case strings.HasSuffix(name, "-an"):
		if _, ok := splitAccountRegional(name); ok {
			return AccountRegional
		}
	}
	return GeneralPurpose
}

// ValidateBucket returns nil when name is a valid name for a new bucket, or
// an *Error naming the first rule it breaks. It applies the rules of the
// name's kind (see [KindOf]) and, for new names, the stricter checks of AWS
// CDK and minio-go (no hyphen next to a dot). Use it for names you are about
// to create: S3 still serves older buckets whose names break today's rules,
// and this package never blocks calls on existing buckets.
//
// It does not allocate for a valid name.
func ValidateBucket(name string) error {
	switch KindOf(name) {
	case Directory:
		return validate(name, directory)
	case AccountRegional:
		return validate(name, accountRegional)
	}
	return validate(name, general)
}

// ValidateKey returns nil when key is a valid object key: 1 to 1024 bytes of
// valid UTF-8. Otherwise it returns an *Error naming the rule.
func ValidateKey(key string) error { return validate(key, keySet) }

// ValidateKeyStrict also requires the characters that are safe everywhere
// (0-9 a-z A-Z ! - _ . * ' ( ), "/" as a delimiter) and no empty, "." or ".."
// path segment: keys that no tool, URL or file system mistakes.
func ValidateKeyStrict(key string) error { return validate(key, strictKey) }

const keySet = key
