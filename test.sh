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

# The supported range's other end: the same tests once more against the
# newest aws-sdk-go-v2, service/s3 and smithy-go the module proxy serves, in a
# scratch copy (go.mod here keeps the floors), without -race to save time.
# An SDK release that breaks us shows up the day CI runs.
# S3CONFLICT_SKIP_NEWEST=1 skips it (offline work).
if [ "${S3CONFLICT_SKIP_NEWEST:-}" = 1 ]; then
	echo "== newest SDK: skipped (S3CONFLICT_SKIP_NEWEST=1)"
	exit 0
fi
echo "== go test against the newest SDK (scratch copy)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tar --exclude=./.git --exclude=./bench -cf - . | tar -C "$scratch" -xf -
(
	cd "$scratch"
	go get -u github.com/aws/aws-sdk-go-v2 github.com/aws/aws-sdk-go-v2/service/s3 \
		github.com/aws/aws-sdk-go-v2/config github.com/aws/aws-sdk-go-v2/credentials \
		github.com/aws/smithy-go
	go mod tidy
	echo "newest versions under test:"
	go list -m github.com/aws/aws-sdk-go-v2 github.com/aws/aws-sdk-go-v2/service/s3 \
		github.com/aws/aws-sdk-go-v2/config github.com/aws/smithy-go | sed 's/^/  /'
	go test -count=1 -timeout 30m ./...
)
