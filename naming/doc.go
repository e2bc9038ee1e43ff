// Package naming makes unique, valid bucket names and object keys, and
// says which rule a name breaks.
//
// # Validating
//
// [ValidateBucket] checks every rule for new bucket names, as one table of
// [Rule] values (see [Rules]). The reserved suffixes decide which rule set
// applies ([KindOf]): "--x-s3" makes a directory bucket name
// (<base>--<zone-id>--x-s3: no dots), a well-formed
// "-<12-digit account id>-<region>-an" an account-regional name, anything
// else a general purpose name: 3 to 63 characters of a-z, 0-9, dots and
// hyphens, a letter or digit at both ends, no "..", no IPv4 shape, none of
// the reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes
// (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3, -an). New names also get
// the stricter check of AWS CDK and minio-go: no hyphen next to a dot.
//
// The error is an [*Error]: the rule (errors.Is(err, naming.BucketCharset)),
// and the position of the first offending byte. Validation is for names
// about to be created; this module never blocks calls on existing buckets,
// whose names may follow older rules.
//
// [ValidateKey] checks an object key (1 to 1024 bytes of valid UTF-8);
// [ValidateKeyStrict] also keeps to the characters that are safe everywhere.
//
// # Generating
//
// [Bucket] appends to a readable prefix a hyphen and 23 characters of
// lowercase base32: 10 of them the creation time in milliseconds (names
// sort by creation), 13 of them 65 random bits. The prefix may have up to
// 39 characters ([MaxBucketPrefix]); an invalid or too long prefix is an
// error, never silently changed. [DirectoryBucket] and
// [AccountRegionalBucket] make the other kinds; [Key] makes ULID-like keys
// (48-bit time, 80 random bits) that sort in creation order even within a
// millisecond.
//
// A [Generator] takes its entropy (io.Reader) and clock, so tests can fix
// both; the package functions use one on crypto/rand. Generators are safe
// for concurrent use.
//
// # Renaming
//
// [Rename] plugs into retry.Options.Rename: CreateBucket answered with
// BucketAlreadyExists is sent again under a fresh name derived from the
// taken one.
package naming
