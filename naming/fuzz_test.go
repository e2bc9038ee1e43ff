package naming_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/s3conflict/s3conflict/naming"
)

// referenceGeneral is a deliberately simple, independent statement of the
// general purpose rules, written from the reference page, not from the
// package's code.
func referenceGeneral(s string) bool {
	if len(s) < 3 || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	isAlnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	if strings.Contains(s, "..") || strings.Contains(s, ".-") || strings.Contains(s, "-.") {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) == 4 {
		ip := true
		for _, p := range parts {
			if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
				ip = false
			}
		}
		if ip {
			return false
		}
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(s, p) {
			return false
		}
	}
	for _, x := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3", "-an"} {
		if strings.HasSuffix(s, x) {
			return false
		}
	}
	return true
}

func FuzzValidateBucket(f *testing.F) {
	for _, s := range []string{"abc", "my.bucket", "1.2.3.4", "xn--a", "a-an", "a..b", "a.-b", "UPPER",
		"logs--usw2-az1--x-s3", "data-123456789012-us-east-1-an", strings.Repeat("a", 64), "", "a\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := naming.ValidateBucket(s)
		if err != nil {
			var ne *naming.Error
			if !errors.As(err, &ne) || ne.Rule == nil || ne.Pos >= len(s) || err.Error() == "" {
				t.Fatalf("%q: malformed error %v", s, err)
			}
		}
		if naming.KindOf(s) != naming.GeneralPurpose {
			return // the reference covers general purpose names only
		}
		if want := referenceGeneral(s); want != (err == nil) {
			t.Fatalf("%q: ValidateBucket says %v, the reference says valid=%v", s, err, want)
		}
	})
}

func FuzzBucket(f *testing.F) {
	for _, s := range []string{"", "invoices", "a.", "-", "xn--", "UP", strings.Repeat("p", 40), "a.b", "logs-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		name, err := naming.Bucket(prefix)
		if err != nil {
			var ne *naming.Error
			if !errors.As(err, &ne) && !errors.Is(err, naming.ErrPrefixTooLong) {
				t.Fatalf("%q: unclear error %v", prefix, err)
			}
			return
		}
		if verr := naming.ValidateBucket(name); verr != nil {
			t.Fatalf("%q gave invalid %q: %v", prefix, name, verr)
		}
		if !strings.HasPrefix(name, prefix) || len(name) > 63 {
			t.Fatalf("%q gave %q: prefix mangled", prefix, name)
		}
	})
}
