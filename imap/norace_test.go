//go:build !race

package imap

const raceBuild = false
