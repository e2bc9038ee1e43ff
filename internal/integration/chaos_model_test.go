package integration

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/s3conflict/s3conflict/conflict"
	"github.com/s3conflict/s3conflict/retry"
)

// outcome is what a call's answer tells the model about its write.
type outcome uint8

const (
	acked    outcome = iota // success: the write landed
	lostRace                // conflict.PreconditionFailed, not ambiguous: it did not land
	unknown                 // any other error: it may or may not have landed
)

var outcomeNames = [...]string{acked: "ok", lostRace: "lost", unknown: "unknown"}

func outcomeOf(err error) outcome {
	switch {
	case err == nil:
		return acked
	case errors.Is(err, conflict.PreconditionFailed) && !errors.Is(err, retry.ErrAmbiguousWrite):
		return lostRace
	}
	return unknown
}

// state is one state a thing of one owner can be in: an object (present,
// body, tags) or a bucket fact (present; body is the versioning status or
// the bucket's tag).
type state struct {
	present bool
	body    string
	tags    string
}

func (s state) String() string {
	if !s.present {
		return "absent"
	}
	return fmt.Sprintf("%.24q tags=%q", s.body, s.tags)
}

// possible is the set of states something written by one goroutine only
// can be in: one state after an acknowledged write or a read, more after
// writes of unknown outcome.
type possible []state

func (p *possible) set(s state) { *p = possible{s} }

// widen adds s after a write of unknown outcome.
func (p *possible) widen(s state) {
	if !slices.Contains(*p, s) {
		*p = append(*p, s)
	}
}

// narrow keeps the states keep accepts; it reports false (and changes
// nothing) when none is left: what was seen is not a state the model allows.
func (p *possible) narrow(keep func(state) bool) bool {
	var q possible
	for _, s := range *p {
		if keep(s) {
			q = append(q, s)
		}
	}
	if len(q) == 0 {
		return false
	}
	*p = q
	return true
}

// mapped applies f to every state: after an unknown outcome the old
// states stay possible too.
func (p *possible) mapped(o outcome, f func(state) state) {
	var q possible
	for _, s := range *p {
		if o != acked {
			q.widen(s)
		}
		q.widen(f(s))
	}
	*p = q
}

// retag gives every present state tags t: after a tagging write (all of
// them when acknowledged, as extra states when unknown).
func (p *possible) retag(t string, o outcome) bool {
	var q possible
	for _, s := range *p {
		if o != acked {
			q.widen(s)
		}
		if s.present {
			s.tags = t
			q.widen(s)
		}
	}
	if len(q) == 0 {
		return false
	}
	*p = q
	return true
}

func (p possible) String() string {
	var b []string
	for _, s := range p {
		b = append(b, s.String())
	}
	return "{" + strings.Join(b, " | ") + "}"
}

// discrepancies collects what the server's state or an answer showed that
// the model does not allow.
type discrepancies struct {
	mu   sync.Mutex
	list []string
}

func (d *discrepancies) add(format string, args ...any) {
	d.mu.Lock()
	d.list = append(d.list, fmt.Sprintf(format, args...))
	d.mu.Unlock()
}

func (d *discrepancies) all() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.list)
}
