//go:build !linux

package maildir

// renameNoReplace is not available here: callers link and unlink.
func renameNoReplace(from, to string) (supported bool, err error) { return false, nil }
