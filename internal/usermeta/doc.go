// Package usermeta is S3's limit on an object's user metadata, in one
// place: the retry package keeps its tokens within it and the in-process
// server (conflict/conflicttest) refuses what exceeds it, so both count
// the same way.
package usermeta
