package retry

import (
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/s3conflict/s3conflict/conflict"
)

// settings is what one decision uses once policies and defaults are merged.
type settings struct {
	action      Action
	backoff     func() backoff.BackOff
	maxAttempts int
	maxElapsed  time.Duration
}

// matches reports whether p applies to kind k of operation op with code.
func (p *Policy) matches(k conflict.Kind, op, code string) bool {
	return p.Kind == k && (p.Operation == "" || p.Operation == op) && (p.Code == "" || p.Code == code)
}

// decide merges the matching policy, the options and the defaults.
func (l *loop) decide(k conflict.Kind, op, code string) settings {
	o := &l.opts
	s := settings{backoff: o.Backoff, maxAttempts: o.MaxAttempts, maxElapsed: o.MaxElapsed}
	for i := range o.Policies {
		p := &o.Policies[i]
		if !p.matches(k, op, code) {
			continue
		}
		s.action = p.Action
		if p.Backoff != nil {
			s.backoff = p.Backoff
		}
		if p.MaxAttempts != 0 {
			s.maxAttempts = p.MaxAttempts
		}
		if p.MaxElapsed != 0 {
			s.maxElapsed = p.MaxElapsed
		}
		break
	}
	if s.action == Default {
		s.action = defaultAction(k, op, o.Rename != nil)
	}
	if s.backoff == nil {
		s.backoff = DefaultBackoff
	}
	if s.maxAttempts == 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.maxElapsed == 0 {
		s.maxElapsed = DefaultMaxElapsed
	}
	return s
}

// defaultAction is the DESIGN table: Transient is retried, AlreadyOwned is
// success for CreateBucket, InProgress for RestoreObject, NameTaken is
// renamed when a Rename function is set; everything else stops.
func defaultAction(k conflict.Kind, op string, canRename bool) Action {
	switch k {
	case conflict.Transient:
		return Retry
	case conflict.AlreadyOwned:
		if op == "CreateBucket" {
			return Accept
		}
	case conflict.InProgress:
		if op == "RestoreObject" {
			return Accept
		}
	case conflict.NameTaken:
		if canRename && op == "CreateBucket" {
			return Rename
		}
	}
	return Stop
}
