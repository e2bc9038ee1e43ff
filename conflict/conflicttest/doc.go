// Package conflicttest makes S3 answer conflicts in tests: an in-process
// S3 server, rules that inject answers (faults), and the real server for
// tests that need one.
//
// # Files
//
// A newcomer reads them in this order:
//
//   - fault.go: a [Fault] (which requests it matches, what they get), the
//     [Injector] that holds faults and keeps a [Record] of every request;
//   - handler.go: the server side, [Injector.Handler] in front of any
//     http.Handler;
//   - client.go: the client side, [Injector.Client] around an S3 client's
//     HTTP client, in front of any endpoint;
//   - model.go: the [Model] of S3's own conflict causes, which an Injector
//     applies after its faults;
//   - answer.go: the S3 XML error documents the injector answers with;
//   - operation.go: naming the S3 operation of an HTTP request;
//   - server.go: the in-process server, [NewServer] and [Start];
//   - bucketconfig.go and subresource.go: the bucket configuration the
//     server stores and serves in front of gofakes3 (policy, tagging, ...);
//   - store.go and storelist.go: the server's buckets and objects, versioned
//     exactly as S3 versions them;
//   - memnet.go: the in-memory network of [WithInMemoryNetwork];
//   - real.go: the real server, versitygw, for a test: [NewRealServer].
package conflicttest
