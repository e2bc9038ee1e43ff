package naming_test

import (
	"bytes"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/s3conflict/s3conflict/naming"
)

func TestValidateBucket(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give string
		want *naming.Rule // nil: valid
		pos  int
	}{
		{"abc", nil, 0},
		{"ab", naming.BucketLength, -1},
		{strings.Repeat("a", 63), nil, 0},
		{strings.Repeat("a", 64), naming.BucketLength, -1},
		{"", naming.BucketLength, -1},
		{"my-bucket.logs", nil, 0},
		{"My-bucket", naming.BucketCharset, 0},
		{"my_bucket", naming.BucketCharset, 2},
		{"my bucket", naming.BucketCharset, 2},
		{"bücket", naming.BucketCharset, 1},
		{"-bucket", naming.BucketEdges, 0},
		{"bucket-", naming.BucketEdges, 6},
		{".bucket", naming.BucketEdges, 0},
		{"bucket.", naming.BucketEdges, 6},
		{"my..bucket", naming.BucketAdjacentDots, 2},
		{"my.-bucket", naming.BucketDotHyphen, 2},
		{"my-.bucket", naming.BucketDotHyphen, 2},
		{"my--bucket", nil, 0},
		{"192.168.5.4", naming.BucketIPAddress, -1},
		{"1.2.3.4", naming.BucketIPAddress, -1},
		{"1.2.3.4a", nil, 0},
		{"1.2.3", nil, 0},
		{"1234.2.3.4", nil, 0},
		{"xn--bucket", naming.BucketReservedPrefix, 0},
		{"xn-bucket", nil, 0},
		{"sthree-bucket", naming.BucketReservedPrefix, 0},
		{"sthree-configurator", naming.BucketReservedPrefix, 0},
		{"amzn-s3-demo-bucket", naming.BucketReservedPrefix, 0},
		{"amzn-s3-bucket", nil, 0},
		{"bucket-s3alias", naming.BucketReservedSuffix, 6},
		{"bucket--ol-s3", naming.BucketReservedSuffix, 6},
		{"bucket.mrap", naming.BucketReservedSuffix, 6},
		{"bucket--table-s3", naming.BucketReservedSuffix, 6},
		{"bucket-an", naming.BucketReservedSuffix, 6},
		{"bucket-an1", nil, 0},
		// directory buckets
		{"logs--usw2-az1--x-s3", nil, 0},
		{"logs--use1-bos1-az1--x-s3", nil, 0},
		{"logs.x--usw2-az1--x-s3", naming.DirectoryCharset, 4},
		{"Logs--usw2-az1--x-s3", naming.DirectoryCharset, 0},
		{"logs--x-s3", naming.DirectoryFormat, -1},
		{"--usw2-az1--x-s3", naming.BucketEdges, 0},
		{"logs--usw2--x-s3", naming.DirectoryFormat, -1},
		{"logs-usw2-az1--x-s3", naming.DirectoryFormat, -1},
		{"xn--a--usw2-az1--x-s3", naming.BucketReservedPrefix, 0},
		{strings.Repeat("a", 44) + "--usw2-az1--x-s3", nil, 0},
		{strings.Repeat("a", 48) + "--usw2-az1--x-s3", naming.BucketLength, -1},
		// account-regional
		{"data-123456789012-us-east-1-an", nil, 0},
		{"data-123456789012-us-gov-west-1-an", nil, 0},
		{"data-12345678901-us-east-1-an", naming.BucketReservedSuffix, 26},
		{"data-123456789012-useast1-an", naming.BucketReservedSuffix, 25},
		{"123456789012-us-east-1-an", naming.BucketReservedSuffix, 22},
		{"Data-123456789012-us-east-1-an", naming.BucketCharset, 0},
		{"da..ta-123456789012-us-east-1-an", naming.BucketAdjacentDots, 2},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			err := naming.ValidateBucket(tt.give)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var ne *naming.Error
			require.ErrorAs(t, err, &ne)
			assert.Equal(t, tt.pos, ne.Pos)
			assert.Equal(t, tt.give, ne.Name)
			assert.Contains(t, err.Error(), tt.want.ID)
		})
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	assert.Equal(t, naming.Directory, naming.KindOf("a--usw2-az1--x-s3"))
	assert.Equal(t, naming.AccountRegional, naming.KindOf("a-123456789012-eu-west-3-an"))
	assert.Equal(t, naming.GeneralPurpose, naming.KindOf("a-an"))
	assert.Equal(t, naming.GeneralPurpose, naming.KindOf("plain"))
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give         string
		want, strict *naming.Rule
	}{
		{"a", nil, nil},
		{"", naming.KeyLength, naming.KeyLength},
		{strings.Repeat("k", 1024), nil, nil},
		{strings.Repeat("k", 1025), naming.KeyLength, naming.KeyLength},
		{strings.Repeat("é", 512), nil, naming.KeyStrictCharset}, // 1024 bytes, 512 runes
		{strings.Repeat("é", 512) + "x", naming.KeyLength, naming.KeyLength},
		{"bad\xffutf8", naming.KeyUTF8, naming.KeyUTF8},
		{"logs/2026/file-1_(copy).txt", nil, nil},
		{"it's*!fine", nil, nil},
		{"with space", nil, naming.KeyStrictCharset},
		{"a&b", nil, naming.KeyStrictCharset},
		{"back\\slash", nil, naming.KeyStrictCharset},
		{"a/./b", nil, naming.KeyStrictSegments},
		{"a/../b", nil, naming.KeyStrictSegments},
		{"..", nil, naming.KeyStrictSegments},
		{"a//b", nil, naming.KeyStrictSegments},
		{"dir/", nil, nil},
		{"soap", nil, naming.KeyStrictSegments},
		{"soap/x", nil, nil},
	}
	for _, tt := range tests {
		err := naming.ValidateKey(tt.give)
		if tt.want == nil {
			assert.NoError(t, err, "%q", tt.give)
		} else {
			assert.ErrorIs(t, err, tt.want, "%q", tt.give)
		}
		err = naming.ValidateKeyStrict(tt.give)
		if tt.strict == nil {
			assert.NoError(t, err, "strict %q", tt.give)
		} else {
			assert.ErrorIs(t, err, tt.strict, "strict %q", tt.give)
		}
	}
}

func TestErrorNamesRuleAndPlace(t *testing.T) {
	t.Parallel()
	err := naming.ValidateBucket("My_Bucket")
	var ne *naming.Error
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, naming.BucketCharset, ne.Rule)
	assert.Equal(t, 0, ne.Pos)
	assert.Equal(t, `bucket name "My_Bucket": a bucket name has only lowercase letters, digits, dots and hyphens (bucket-charset; 'M' at 0)`, err.Error())
}

func TestBucket(t *testing.T) {
	t.Parallel()
	name, err := naming.Bucket("invoices")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(name, "invoices-"), name)
	assert.Len(t, name, len("invoices")+naming.BucketSuffixLen)
	assert.NoError(t, naming.ValidateBucket(name))

	long := strings.Repeat("p", naming.MaxBucketPrefix)
	name, err = naming.Bucket(long)
	require.NoError(t, err)
	assert.Len(t, name, 63)

	_, err = naming.Bucket(long + "p")
	assert.ErrorIs(t, err, naming.ErrPrefixTooLong)

	_, err = naming.Bucket("Invoices")
	assert.ErrorIs(t, err, naming.BucketCharset)
	var ne *naming.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Prefix)
	assert.Equal(t, "Invoices", ne.Name, "the error shows the prefix as given")
	assert.Contains(t, err.Error(), "bucket name prefix")

	for _, bad := range []struct {
		give string
		rule *naming.Rule
	}{{"xn--a", naming.BucketReservedPrefix}, {"a.", naming.BucketDotHyphen}, {"a_b", naming.BucketCharset}, {"-a", naming.BucketEdges}} {
		_, err := naming.Bucket(bad.give)
		assert.ErrorIs(t, err, bad.rule, bad.give)
	}

	name, err = naming.Bucket("")
	require.NoError(t, err)
	assert.Len(t, name, naming.BucketSuffixLen-1)
	name, err = naming.Bucket("logs-")
	require.NoError(t, err)
	assert.NotContains(t, name, "--", "a prefix ending in a hyphen gets no second one")
}

func TestDirectoryAndAccountRegional(t *testing.T) {
	t.Parallel()
	name, err := naming.DirectoryBucket("logs", "usw2-az1")
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(name, "--usw2-az1--x-s3"), name)
	assert.Equal(t, naming.Directory, naming.KindOf(name))
	assert.NoError(t, naming.ValidateBucket(name))
	_, err = naming.DirectoryBucket("lo.gs", "usw2-az1")
	assert.ErrorIs(t, err, naming.DirectoryCharset)
	_, err = naming.DirectoryBucket("logs", "nozone")
	assert.ErrorIs(t, err, naming.DirectoryFormat)

	name, err = naming.AccountRegionalBucket("data", "123456789012", "us-east-1")
	require.NoError(t, err)
	assert.True(t, strings.HasSuffix(name, "-123456789012-us-east-1-an"), name)
	assert.Equal(t, naming.AccountRegional, naming.KindOf(name))
	_, err = naming.AccountRegionalBucket("data", "12345", "us-east-1")
	assert.Error(t, err)
	_, err = naming.AccountRegionalBucket(strings.Repeat("d", 14), "123456789012", "us-east-1")
	assert.ErrorIs(t, err, naming.ErrPrefixTooLong)
}

// fixed is a clock that never moves.
func fixed() time.Time { return time.UnixMilli(1_700_000_000_000) }

func TestGeneratorIsDeterministicWithInjectedEntropyAndClock(t *testing.T) {
	t.Parallel()
	mk := func() *naming.Generator {
		return naming.NewGenerator(bytes.NewReader(bytes.Repeat([]byte{7}, 100)), fixed)
	}
	a, err := mk().Bucket("x")
	require.NoError(t, err)
	b, err := mk().Bucket("x")
	require.NoError(t, err)
	assert.Equal(t, a, b)

	g := naming.NewGenerator(bytes.NewReader(nil), fixed)
	_, err = g.Bucket("x")
	assert.Error(t, err, "an entropy source that fails is an error, not a weak name")
}

func TestKeysSortInCreationOrderWithinOneMillisecond(t *testing.T) {
	t.Parallel()
	g := naming.NewGenerator(nil, fixed)
	var keys []string
	for range 1000 {
		k, err := g.Key("logs/")
		require.NoError(t, err)
		require.NoError(t, naming.ValidateKeyStrict(k))
		keys = append(keys, k)
	}
	assert.True(t, sort.StringsAreSorted(keys))
	assert.Len(t, dedupe(keys), 1000)

	// across milliseconds too
	ms := int64(1_700_000_000_000)
	g = naming.NewGenerator(nil, func() time.Time { ms += 1; return time.UnixMilli(ms) })
	prev := ""
	for range 100 {
		k, err := g.Key("")
		require.NoError(t, err)
		assert.Greater(t, k, prev)
		prev = k
	}
	_, err := g.Key("bad key")
	assert.ErrorIs(t, err, naming.KeyStrictCharset)
	_, err = g.Key(strings.Repeat("k", 1024))
	assert.ErrorIs(t, err, naming.ErrPrefixTooLong)
}

func TestBucketsSortByCreationTime(t *testing.T) {
	t.Parallel()
	ms := int64(1_700_000_000_000)
	g := naming.NewGenerator(nil, func() time.Time { ms += 3; return time.UnixMilli(ms) })
	prev := ""
	for range 100 {
		n, err := g.Bucket("p")
		require.NoError(t, err)
		assert.Greater(t, n, prev)
		prev = n
	}
}

func dedupe(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

func TestNoCollisionsInTenMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("10 million names: skipped under -short")
	}
	const workers, per = 8, 10_000_000 / 8
	var mu sync.Mutex
	seen := make(map[string]struct{}, workers*per)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]string, 0, per)
			for range per {
				n, err := naming.Bucket("c")
				if err != nil {
					errs <- err
					return
				}
				local = append(local, n)
			}
			mu.Lock()
			for _, n := range local {
				seen[n] = struct{}{}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Len(t, seen, workers*per)
}

func TestRename(t *testing.T) {
	t.Parallel()
	n1, err := naming.Rename("invoices", 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(n1, "invoices-"), n1)
	n2, err := naming.Rename(n1, 2)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(n2, "invoices-"), n2)
	assert.Len(t, n2, len(n1), "renaming a renamed name does not grow it")
	assert.NotEqual(t, n1, n2)

	d, err := naming.Rename("logs--usw2-az1--x-s3", 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(d, "logs-") && strings.HasSuffix(d, "--usw2-az1--x-s3"), d)

	a, err := naming.Rename("data-123456789012-us-east-1-an", 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(a, "data-") && strings.HasSuffix(a, "-123456789012-us-east-1-an"), a)

	long := strings.Repeat("abc-", 15) + "xyz" // 63 characters
	l, err := naming.Rename(long, 1)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(l), 63)
	assert.NoError(t, naming.ValidateBucket(l))
	assert.True(t, strings.HasPrefix(l, "abc-abc-"), l)
}

func TestRulesIsACopy(t *testing.T) {
	t.Parallel()
	r := naming.Rules()
	r[0] = nil
	assert.NotNil(t, naming.Rules()[0])
	assert.True(t, errors.Is(naming.ValidateBucket("a"), naming.BucketLength))
}
