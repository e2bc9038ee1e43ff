#!/usr/bin/env bash
# The whole test suite: the one command the README gives and CI runs.
# It needs only Go and the Go module proxy: the tests obtain and start the
# real S3 server (versitygw) themselves, on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")"

echo "== gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "not gofmt-ed:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 30m "$@" ./...
