package naming

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// alphabet is Crockford's base32 in lower case: 5 bits per character, no
// i, l, o or u, and in ascending byte order, so that names sort as the
// numbers they encode.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// The suffix of generated names: 10 characters of milliseconds since 1970
// (sortable until the year 10889), then random characters — 13 (65 bits)
// for bucket names, 16 (80 bits) for keys.
const (
	timeChars      = 10
	bucketRandBits = 65
	keyRandBits    = 80
	// BucketSuffixLen is the length of a generated bucket suffix, the
	// hyphen before it included.
	BucketSuffixLen = 1 + timeChars + bucketRandBits/5
	// KeySuffixLen is the length of a generated key suffix.
	KeySuffixLen = timeChars + keyRandBits/5
	// MaxBucketPrefix is the longest prefix Bucket takes: 63 characters
	// in all.
	MaxBucketPrefix = 63 - BucketSuffixLen
)

// Generator makes unique names. Names from one Generator sort in the order
// they were made, even within one millisecond: the random part of the next
// name in the same millisecond is the previous one plus one. It is safe for
// concurrent use.
type Generator struct {
	rand io.Reader
	now  func() time.Time

	mu      sync.Mutex
	buf     [10]byte
	buckets monotonic
	keys    monotonic
}

// monotonic is the last (millisecond, random) pair handed out.
type monotonic struct {
	ms     uint64
	hi, lo uint64 // random bits: hi holds the top bits above 64
}

// NewGenerator returns a Generator reading entropy from rand (nil:
// crypto/rand) and time from now (nil: time.Now).
func NewGenerator(rand io.Reader, now func() time.Time) *Generator {
	return &Generator{rand: rand, now: now}
}

var defaultGenerator = NewGenerator(nil, nil)

// Bucket returns a unique general purpose bucket name: prefix, a hyphen,
// and a suffix of lowercase base32 (sortable by creation time, at least 64
// random bits), at most 63 characters, always valid. The prefix must be a
// valid start of a bucket name of at most MaxBucketPrefix (39) characters;
// otherwise the error says which rule it breaks. It is never mangled. An
// empty prefix gives just the suffix.
func Bucket(prefix string) (string, error) { return defaultGenerator.Bucket(prefix) }

// Key returns a unique, time-sortable object key: prefix followed by 26
// characters of lowercase base32 (ULID-like). The key passes
// ValidateKeyStrict; so must the prefix ("logs/2026/" is fine).
func Key(prefix string) (string, error) { return defaultGenerator.Key(prefix) }

// DirectoryBucket returns a unique directory bucket name,
// <prefix>-<suffix>--<zoneID>--x-s3, such as
// "logs-01j…--usw2-az1--x-s3". The prefix may not contain dots.
func DirectoryBucket(prefix, zoneID string) (string, error) {
	return defaultGenerator.DirectoryBucket(prefix, zoneID)
}

// AccountRegionalBucket returns a unique account-regional bucket name,
// <prefix>-<suffix>-<accountID>-<region>-an. The account and region leave
// little room: with us-east-1 the prefix has at most 13 characters.
func AccountRegionalBucket(prefix, accountID, region string) (string, error) {
	return defaultGenerator.AccountRegionalBucket(prefix, accountID, region)
}

// Bucket is [Bucket] on g.
func (g *Generator) Bucket(prefix string) (string, error) {
	return g.bucket(prefix, "")
}

// DirectoryBucket is [DirectoryBucket] on g.
func (g *Generator) DirectoryBucket(prefix, zoneID string) (string, error) {
	return g.bucket(prefix, "--"+zoneID+"--x-s3")
}

// AccountRegionalBucket is [AccountRegionalBucket] on g.
func (g *Generator) AccountRegionalBucket(prefix, accountID, region string) (string, error) {
	return g.bucket(prefix, "-"+accountID+"-"+region+"-an")
}

// ErrPrefixTooLong: the prefix leaves no room for the unique suffix.
var ErrPrefixTooLong = errors.New("prefix too long for a unique name")

func (g *Generator) bucket(prefix, tail string) (string, error) {
	var buf [63]byte
	sep := prefix != "" && !strings.HasSuffix(prefix, "-")
	n := len(prefix) + len(tail) + BucketSuffixLen
	if !sep {
		n--
	}
	if n > 63 {
		return "", fmt.Errorf("naming: bucket prefix %q: %w: at most %d characters here, %d given", prefix, ErrPrefixTooLong,
			len(prefix)-(n-63), len(prefix))
	}
	b := append(buf[:0], prefix...)
	if sep {
		b = append(b, '-')
	}
	b, err := g.suffix(b, &g.buckets, bucketRandBits)
	if err != nil {
		return "", err
	}
	b = append(b, tail...)
	name := string(b)
	if err := ValidateBucket(name); err != nil {
		var ne *Error
		if errors.As(err, &ne) {
			ne.Name, ne.Prefix = prefix+tail, true
			if ne.Pos >= len(prefix) {
				ne.Pos = -1
			}
		}
		return "", err
	}
	return name, nil
}

// Key is [Key] on g.
func (g *Generator) Key(prefix string) (string, error) {
	if len(prefix)+KeySuffixLen > 1024 {
		return "", fmt.Errorf("naming: key prefix: %w: at most %d bytes, %d given", ErrPrefixTooLong, 1024-KeySuffixLen, len(prefix))
	}
	if prefix != "" {
		// The prefix must be strict-valid as the start of a key: check it
		// with a stand-in suffix so that "logs/" passes.
		if err := ValidateKeyStrict(prefix + "x"); err != nil {
			var ne *Error
			if errors.As(err, &ne) {
				ne.Name, ne.Prefix = prefix, true
				if ne.Pos >= len(prefix) {
					ne.Pos = -1
				}
			}
			return "", err
		}
	}
	var buf [64]byte
	b, err := g.suffix(buf[:0], &g.keys, keyRandBits)
	if err != nil {
		return "", err
	}
	return prefix + string(b), nil
}

// suffix appends the time and random characters to b.
func (g *Generator) suffix(b []byte, m *monotonic, bits int) ([]byte, error) {
	now := time.Now
	if g.now != nil {
		now = g.now
	}
	ms := uint64(now().UnixMilli())
	g.mu.Lock()
	if ms <= m.ms && m.ms != 0 {
		// same (or an earlier) millisecond: count up from the last name
		ms = m.ms
		m.lo++
		if m.lo == 0 {
			m.hi++
		}
		if m.hi >= 1<<(bits-64) {
			ms++ // the random part overflowed: move to the next millisecond
			m.hi, m.lo = 0, 0
		}
	} else {
		if err := g.read(); err != nil {
			g.mu.Unlock()
			return nil, err
		}
		m.lo = uint64(g.buf[0]) | uint64(g.buf[1])<<8 | uint64(g.buf[2])<<16 | uint64(g.buf[3])<<24 |
			uint64(g.buf[4])<<32 | uint64(g.buf[5])<<40 | uint64(g.buf[6])<<48 | uint64(g.buf[7])<<56
		m.hi = (uint64(g.buf[8]) | uint64(g.buf[9])<<8) & (1<<(bits-64) - 1)
	}
	m.ms = ms
	hi, lo := m.hi, m.lo
	g.mu.Unlock()

	for i := timeChars - 1; i >= 0; i-- {
		b = append(b, alphabet[(ms>>(5*i))&31])
	}
	for i := bits/5 - 1; i >= 0; i-- {
		shift := 5 * i
		var v uint64
		switch {
		case shift >= 64:
			v = hi >> (shift - 64)
		case shift+5 > 64:
			v = lo>>shift | hi<<(64-shift)
		default:
			v = lo >> shift
		}
		b = append(b, alphabet[v&31])
	}
	return b, nil
}

// read fills g.buf with entropy; g.mu is held.
func (g *Generator) read() error {
	r := g.rand
	if r == nil {
		_, _ = rand.Read(g.buf[:]) // crypto/rand.Read never fails
		return nil
	}
	if _, err := io.ReadFull(r, g.buf[:]); err != nil {
		return fmt.Errorf("naming: reading entropy: %w", err)
	}
	return nil
}
