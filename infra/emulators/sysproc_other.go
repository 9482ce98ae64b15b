//go:build unix && !linux

package emulators

import "syscall"

// sysProcAttr puts the child in its own process group. There is no parent
// death signal outside Linux: a crashed parent leaves emulators running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
