package exampleenv

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

// Mark returns how many records Faults has kept so far: take it before a
// step, and read the step's records with Since after it.
func (e *Env) Mark() int { return e.Faults.Count("") }

// Since returns the records Faults kept from the n-th on (n from Mark).
func (e *Env) Since(n int) []conflicttest.Record { return e.Faults.Records()[n:] }

// PrintRequests writes one line per request: operation, key (the bucket
// for a bucket's operations), status, code,
// and who answered when it was not the server (an injected fault, the
// model of S3, a lost answer).
func PrintRequests(w io.Writer, recs []conflicttest.Record) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range recs {
		answer := fmt.Sprint(r.Status)
		if r.Code != "" {
			answer += " " + r.Code
		}
		switch {
		case r.Lost:
			answer += " (answer lost on the way back)"
		case r.Injected:
			answer += " (injected)"
		case r.Modeled:
			answer += " (the model of S3)"
		}
		target := r.Key
		if target == "" {
			target = r.Bucket
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", r.Operation, target, answer)
	}
	_ = tw.Flush()
}
