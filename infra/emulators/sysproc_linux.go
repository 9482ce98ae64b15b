package emulators

import "syscall"

// sysProcAttr puts the child in its own process group (so Close can stop it
// with everything it spawned and a terminal's Ctrl-C reaches only the parent)
// and makes the kernel send it SIGTERM when the parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
