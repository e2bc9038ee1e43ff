// Command quickstart shows s3conflict doing its job: it starts an
// in-process S3 server, builds a client with retry.OnConflict() and
// precheck.Enable(), walks through a short story of S3 conflicts and prints
// what happened.
//
//	go run ./examples/quickstart
//
// With the standard AWS environment pointing at a real endpoint
// (AWS_ENDPOINT_URL_S3 plus credentials), the same story runs against it;
// the conflicts that endpoint would not produce on its own are forced by a
// client-side injector and marked as forced. The story creates two buckets
// and deletes them (and what it put in them) at the end.
package main

import (
	"context"
	"io"
	"time"

	"github.com/s3conflict/s3conflict/internal/exampleenv"
)

func main() {
	exampleenv.Main("quickstart", false, 2*time.Minute, func(ctx context.Context, e *exampleenv.Env, w io.Writer) error {
		rows, err := story(ctx, e, 2*time.Second)
		print(w, e, rows)
		return err
	})
}
