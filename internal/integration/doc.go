// Package integration holds the real-server suite: the library against
// versitygw (a real S3-compatible server, started by the tests on
// 127.0.0.1) and against the in-process server of conflicttest, with
// conflicts injected where no local server produces them.
//
// Which backend supports what (the conflicttest package documentation has
// the whole list):
//
//	feature                                   versitygw    in-process
//	re-create own bucket                      409 Owned    409 Owned
//	another account's bucket name             409 Exists   409 Exists
//	BucketNotEmpty                            yes          yes
//	suspend versioning on an Object Lock bkt  400 Invalid  409 Invalid (as S3)
//	Object Lock retention, legal hold         enforced     enforced
//	conditional PutObject                     yes          yes
//	conditions on CompleteMultipartUpload     yes          yes
//	conditional DeleteObject (If-Match)       yes          yes
//	conditions on CopyObject's destination    ignored      ignored
//	public access block, lifecycle, encrypt.  501          stored and served
//	OperationAborted, ConditionalRequestConf. injected     injected, or the model
package integration
