//go:build race

package imap

// raceBuild is set when the race detector is on: memory measurements
// are meaningless then.
const raceBuild = true
