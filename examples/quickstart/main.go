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
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/s3conflict/s3conflict/conflict/conflicttest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	tg, stop, err := chooseTarget(ctx)
	if err != nil {
		return err
	}
	defer stop()
	rows, err := story(ctx, tg)
	print(os.Stdout, tg, rows)
	return err
}

// chooseTarget is a real endpoint when AWS_ENDPOINT_URL_S3 is set, the
// in-process server otherwise.
func chooseTarget(ctx context.Context) (target, func(), error) {
	if ep := os.Getenv("AWS_ENDPOINT_URL_S3"); ep != "" {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return target{}, nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		return target{name: ep, cfg: cfg, pathStyle: !strings.Contains(ep, "amazonaws.com"), storm: 2 * time.Second}, func() {}, nil
	}
	srv, err := conflicttest.Start()
	if err != nil {
		return target{}, nil, err
	}
	return target{name: "the in-process S3 server at " + srv.URL, cfg: srv.Config, pathStyle: true, storm: 2 * time.Second}, srv.Close, nil
}
