//go:build !unix

package retry

// cpuTime is not measured here: FastPath reports sec/op only.
func cpuTime() int64 { return 0 }
