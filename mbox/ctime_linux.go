package mbox

import "syscall"

// ctimeNano is the inode change time: a rewrite in place that keeps size
// and mtime still changes it.
func ctimeNano(st *syscall.Stat_t) int64 { return st.Ctim.Nano() }
