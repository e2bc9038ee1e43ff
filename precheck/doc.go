// Package precheck checks a bucket's or version's state before the calls
// that state would make fail — or, worse, succeed in a surprising way —
// and turns the surprise into a clear error before the request is sent.
//
//	client := s3.NewFromConfig(cfg, retry.OnConflict(), precheck.Enable())
//
// # Checks and what they cost
//
//	check               default  before                         extra requests (cold / warm)
//	BucketName          off      CreateBucket                   0 (naming.ValidateBucket)
//	CreateBucket        on       CreateBucket                   1 HeadBucket; in us-east-1 without an
//	                                                            account ID and on a 200, +1 ListBuckets
//	                                                            and, when it lists the bucket and names
//	                                                            its requester, +1 GetBucketAcl (0 while
//	                                                            the proof is cached)
//	DeleteBucket        on       DeleteBucket                   1 ListObjectVersions / 1
//	EmptyFirst          off      DeleteBucket                   1 listing per 1000 versions (objects where
//	                                                            versions answer 501) + 1 DeleteObjects per
//	                                                            1000, 1 ListMultipartUploads per 1000
//	                                                            uploads + 1 AbortMultipartUpload per upload
//	LockedVersion       on       DeleteObject with VersionId    1 GetObjectLockConfiguration, then on a lock
//	                                                            bucket 2 (legal hold, retention) / 0 or 2
//	LockedVersionBatch  off      DeleteObjects                  as LockedVersion, per versioned key
//	UnversionedDelete   off      DeleteObject without VersionId 1 GetBucketVersioning / 0 to
//	                                                            proceed, 1 to refuse (re-read)
//	SuspendOnLock       on       PutBucketVersioning Suspended  1 GetObjectLockConfiguration / 0 to
//	                                                            proceed, 1 to refuse (re-read)
//
// What the checks prove, and what they do not:
//
//   - CreateBucket: HeadBucket 200 means "exists and you may access it", not
//     "you own it"; 403 means "exists and you may not list it", which can be
//     your own bucket. A bucket is taken for yours only on proof: with the
//     caller's account ID (Options.AccountID, or the credentials' own)
//     HeadBucket carries ExpectedBucketOwner and a 200 proves it; without
//     one, in us-east-1, the bucket must appear in your own ListBuckets
//     (asked with the name as Prefix: one small request, the proof cached
//     for FactTTL). Proven yours: CreateBucket is not sent and the call
//     returns a *conflict.Error of kind AlreadyOwned (retry.OnConflict turns
//     it into success, as it does S3's own BucketAlreadyOwnedByYou), or
//     ErrMismatch when it differs from the request (another region, no
//     Object Lock). Listed as not yours: CreateBucket is sent and S3 answers
//     BucketAlreadyExists. Unproven — HeadBucket 200 in us-east-1, no
//     account ID, ListBuckets denied: an *Error with ErrOwnershipUnproven,
//     CreateBucket not sent (re-creating your own bucket there answers 200
//     and resets its ACLs; accepting could hand you a stranger's bucket).
//     retry.OnConflict never takes it for success. Prove ownership by
//     setting Options.AccountID or granting s3:ListAllMyBuckets.
//     Caveat: the listing proof assumes that ListBuckets lists only the
//     caller's own buckets, as AWS does. Some servers list every account's
//     buckets to an administrator (versitygw's root account does), which
//     would make a stranger's bucket look like yours. So when the listing
//     names its requester (ListBuckets' Owner), the bucket's owner from
//     GetBucketAcl must be that requester: another owner leaves ownership
//     unproven (ErrOwnershipUnproven, CreateBucket not sent). An ACL the
//     server will not show, or a listing without an Owner, leaves the
//     listing's word: against such servers as an administrator, set
//     Options.AccountID (HeadBucket then carries ExpectedBucketOwner), or
//     pass ExpectedBucketOwner on the calls yourself. Outside
//     us-east-1 without an account ID the call goes on: S3 itself answers
//     BucketAlreadyOwnedByYou or BucketAlreadyExists.
//   - DeleteBucket: a bucket holding versions or delete markers gives a
//     *conflict.Error of kind NotEmpty whose SampleKey names one of them.
//   - Deletes of locked versions give ErrLocked with the retention mode and
//     date or the legal hold; GOVERNANCE with BypassGovernanceRetention goes
//     ahead. When the check itself fails (no permission to read retention),
//     S3 decides.
//
// # Refusals read like S3's answers
//
// A refused call was not sent: a *conflict.Error has Attempts 0. Each
// refusal that stands for an answer S3 would have given carries that answer
// in its chain, in the SDK's own error types, so code written for S3's
// answer takes the same branch with prechecks on: errors.As to
// smithy.APIError gives the code, errors.As to *awshttp.ResponseError (or
// any interface with HTTPStatusCode()) the status.
//
//	refusal                                 error                            code, status
//	DeleteBucket, bucket not empty          *conflict.Error NotEmpty         BucketNotEmpty, 409
//	EmptyFirst stopped at a locked version  *Error ErrLocked                 BucketNotEmpty, 409
//	Suspend versioning, Object Lock bucket  *conflict.Error InvalidState     InvalidBucketState, 409
//	DeleteObject of a locked version        *Error ErrLocked                 AccessDenied, 403
//	DeleteObjects, a locked key (batch)     an entry of the output's Errors  AccessDenied
//	CreateBucket, proven ours               *conflict.Error AlreadyOwned     BucketAlreadyOwnedByYou, 409
//	CreateBucket, ownership unproven        *Error ErrOwnershipUnproven      none: S3 was not asked
//	CreateBucket, ours but different        *Error ErrMismatch               none
//	DeleteObject, only a delete marker      *Error ErrWouldAddDeleteMarker   none: S3 would accept it
//
// A NotEmpty refusal names one key the bucket holds in
// conflict.Error.SampleKey.
//
// # Cache
//
// Bucket facts are cached per client: Object Lock enabled for good (it can
// never be turned off), ownership proven by ListBuckets, versioning status
// and "no Object Lock" for DefaultFactTTL (15 s), forgotten when the same
// client changes versioning, deletes or creates the bucket. A cached fact
// may save a request; it never turns a call S3 would accept into an error:
// before a fact from the cache refuses a call (Object Lock enabled or not,
// versioning Enabled), it is read again from S3 (a bucket may have been
// deleted and re-created by someone else), and the other facts expire
// after FactTTL.
//
// # Scope
//
// The checks make their own requests through a client built from the
// client's options at the first check: per-call option overrides are not
// visible to them. That client has neither retry.OnConflict nor precheck
// on it, so those requests are sent once, untouched.
package precheck
