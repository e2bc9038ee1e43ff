// Package conflicttest makes S3 answer conflicts in tests, the way S3
// answers them: an in-process S3 server, scripted faults, a model of the
// conflicts S3 itself causes, and the real server (versitygw) for what an
// in-process server cannot do.
//
//	srv := conflicttest.NewServer(t, conflicttest.WithModel(conflicttest.Model{}))
//	client := srv.Client(retry.OnConflict())
//	// ... your code against client; srv.Faults.Records() says what was answered
//
// # Faults and the model
//
// A [Fault] is a script: "answer PutBucketTagging 409 OperationAborted the
// first 3 times", with a probability, a time window, latency, or a lost
// response. The [Model] instead makes conflicts arise from what requests do
// to each other: overlapping configuration writes to one bucket get
// OperationAborted, CreateBucket soon after DeleteBucket of the name gets
// OperationAborted, overlapping conditional writes to one key get
// ConditionalRequestConflict — so a test can show whether a client makes
// conflicts worse or better. An [Injector] holds both (faults first) and
// records every request with what was answered and who decided it
// ([Record.Injected], [Record.Modeled]). It works on the server side
// ([Injector.Handler], which [Server] uses) and on the client side
// ([Injector.Client], in front of any endpoint: versitygw, or AWS over TLS).
//
// Time: the model and the faults use the time package, so with
// [WithInMemoryNetwork] a whole server runs inside a testing/synctest
// bubble and their durations, like the retry package's backoff, pass in
// virtual time. Over a real socket (the default) time is real.
//
// # What the in-process server serves
//
// [NewServer] starts gofakes3 with this package's own store and bucket
// configuration in front of it. It serves, as S3 does:
//
//   - two accounts ([Server.Config] and [Server.OtherConfig], told apart by
//     the access key a request is signed with): re-creating one's own
//     bucket answers 409 BucketAlreadyOwnedByYou (as outside us-east-1,
//     where S3 answers 200 for legacy reasons), another account's 409
//     BucketAlreadyExists, any other request on another account's bucket
//     403 AccessDenied, and ListBuckets lists one's own;
//   - buckets: create, delete (BucketNotEmpty while any version or delete
//     marker is left), head, list;
//   - objects: put, get (ranges), head (exactly GetObject's headers), delete,
//     copy, metadata (2 KB of keys and values, as S3 counts it; more answers
//     400 MetadataTooLarge), listings (V1 and V2, prefixes, delimiters, pages);
//   - multipart uploads: parts, their listing, abort, completion (parts in
//     order with their ETags, every part but the last at least 5 MiB:
//     InvalidPart, InvalidPartOrder, EntityTooSmall), a completion sent
//     again answered 200 with the first one's ETag and version ID (until
//     the bucket is deleted; S3 for a while), uploads listed;
//   - versioning: never enabled, enabled, suspended; the "null" version;
//     delete markers; deleting any version by ID, "null" included, one at a
//     time or with DeleteObjects; ListObjectVersions, newest first;
//   - conditional PutObject, CompleteMultipartUpload and DeleteObject:
//     If-None-Match "*" and If-Match answer 412; If-Match on a missing key
//     answers 404 NoSuchKey; DeleteObject's If-Match with a version ID is
//     checked against that version, on Object Lock buckets too (S3
//     documents conditions on the current version only);
//   - conditional GetObject and HeadObject, against the ETag (a multipart
//     one too) and Last-Modified of the version read: If-Match and
//     If-Unmodified-Since answer 412, If-None-Match and If-Modified-Since
//     304, in RFC 7232's order (If-Match overrides If-Unmodified-Since,
//     If-None-Match overrides If-Modified-Since);
//   - a request whose body ends before its Content-Length: 400
//     IncompleteBody, and nothing of it acted on (behind a Fault's latency
//     too);
//   - bucket configuration, stored as sent and served back by its Get:
//     policy (with DeleteBucketPolicy and GetBucketPolicyStatus), tagging,
//     lifecycle, public access block, ownership controls, encryption, CORS,
//     ACL (a document or a canned ACL), Object Lock configuration and
//     versioning; Delete where S3 has one. A new bucket has S3's defaults
//     (public access blocked, ACLs disabled by BucketOwnerEnforced, SSE-S3
//     encryption) and what it lacks answers S3's code (NoSuchBucketPolicy,
//     NoSuchTagSet, ...). S3's refusals are kept: AccessControlListNotSupported,
//     and InvalidBucketState for suspending versioning under Object Lock or
//     adding Object Lock without versioning;
//   - Object Lock: retention (GOVERNANCE, COMPLIANCE) and legal holds per
//     version, set by their Put calls, by PutObject's headers or by the
//     bucket's default retention (on copies and completed uploads too), and
//     enforced: deleting a locked version
//     answers 403 AccessDenied (GOVERNANCE yields to the bypass header), in
//     DeleteObjects too; a COMPLIANCE retention cannot be shortened.
//
// It never answers a conflict that S3 would not: what it does not serve
// answers 501 NotImplemented. Not served, and where to get it:
//
//   - access granted to another account (bucket policies and ACLs are
//     stored, not evaluated: another account is always denied) —
//     versitygw ([NewRealServer]);
//   - Object Lock headers on CreateMultipartUpload (the bucket's default
//     retention applies), GetObject and HeadObject — versitygw;
//   - the ETags of DeleteObjects (ignored) — neither;
//   - object tagging and GetObjectAttributes (501) — versitygw; object ACLs,
//     restore, select, torrent (501) — neither;
//   - replication, notification, logging, accelerate, request payment,
//     inventory, analytics, metrics, intelligent tiering, metadata tables
//     (501) — neither; website (501) — versitygw;
//   - in DeleteObjects' answer, DeleteMarker and DeleteMarkerVersionId
//     (the markers are made; ListObjectVersions shows them), and 405 for a
//     GET of a delete marker by version ID (404 here) — versitygw;
//   - signatures, checksums and encryption are not checked or applied; the
//     stored configuration has no effect on requests — versitygw checks
//     signatures and checksums.
//
// versitygw itself answers 501 to public access block, lifecycle,
// encryption and replication.
//
// # Files
//
// A newcomer reads them in this order:
//
//   - fault.go: a [Fault] (which requests it matches, what they get), the
//     [Injector] that holds faults and keeps a [Record] of every request;
//   - model.go: the [Model] of S3's own conflict causes, which an Injector
//     applies after its faults;
//   - handler.go: the server side, [Injector.Handler] in front of any
//     http.Handler;
//   - client.go: the client side, [Injector.Client] around an S3 client's
//     HTTP client, in front of any endpoint;
//   - answer.go: the S3 XML error documents the injector answers with;
//   - operation.go: naming the S3 operation of an HTTP request;
//   - server.go: the in-process server, [NewServer] and [Start];
//   - route.go: what the server serves itself in front of gofakes3, what
//     it answers 501, and its fixes to gofakes3's answers;
//     conditionalread.go: the conditions of GetObject and HeadObject;
//     body.go: bodies read whole before anything acts on them;
//   - account.go: the two accounts, and who may touch which bucket;
//   - bucketconfig.go and subresource.go: the bucket configuration it
//     stores and serves (policy, tagging, ...);
//   - objectlock.go and storelock.go: Object Lock, retention and legal
//     holds, and the deletes they refuse;
//   - store.go, storeobject.go, storelist.go and storeupload.go: its
//     buckets, objects and multipart uploads, versioned exactly as S3
//     versions them; storeresend.go: a completion sent again;
//   - memnet.go: the in-memory network of [WithInMemoryNetwork];
//   - real.go: the real server, versitygw, for a test: [NewRealServer].
//
// Everything here is safe for concurrent use.
package conflicttest
