//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
	"syscall"

	"github.com/reprovm/reprovm/guest/proto"
)

// environ is a command's environment: proto.BaseEnv, then PWD, then the
// command's entries, a later entry replacing an earlier one with the same
// key.
func environ(cmdEnv []string, dir string) []string {
	var env []string
	index := map[string]int{}
	for _, e := range append(append(append([]string{}, proto.BaseEnv...), "PWD="+dir), cmdEnv...) {
		k, _, _ := strings.Cut(e, "=")
		if i, ok := index[k]; ok {
			env[i] = e
			continue
		}
		index[k] = len(env)
		env = append(env, e)
	}
	return env
}

// lookPath finds name in the PATH of env as a shell would: a name with a
// slash is used as it is. root is the directory the command will be
// chrooted into ("" for none); the result is a path inside it.
func lookPath(name string, env []string, root string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	var pathVar string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			pathVar = v
		}
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, name)
		if fi, err := os.Stat(root + p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// runCommand runs a command (the warm-up or the job's) with the console
// as stdout and stderr and /dev/null as stdin, chrooted into root unless
// it is "", then kills whatever it left running.
func runCommand(argv, cmdEnv []string, dir, root string) (*proto.Header, error) {
	if dir == "" {
		dir = "/"
	}
	env := environ(cmdEnv, dir)
	prog, err := lookPath(argv[0], env, root)
	if err != nil {
		// sh -c semantics: not found is 127.
		fmt.Fprintf(os.Stderr, "reprovm-init: %s: not found\n", argv[0])
		return &proto.Header{State: proto.Exited, Code: 127}, nil
	}
	stdin, err := os.Open("/dev/null")
	if err != nil {
		return nil, err
	}
	defer stdin.Close()
	cmd := &exec.Cmd{
		Path: prog, Args: argv, Env: env, Dir: dir,
		Stdin: stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	}
	if root != "" {
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	}
	if err := cmd.Start(); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) && pe.Op == "chdir" {
			return nil, fmt.Errorf("working directory: %w", err)
		}
		// sh -c semantics: found but not executable is 126.
		fmt.Fprintf(os.Stderr, "reprovm-init: %s: %v\n", argv[0], err)
		return &proto.Header{State: proto.Exited, Code: 126}, nil
	}
	err = cmd.Wait()
	killAll()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok {
		return nil, fmt.Errorf("wait: %v", err)
	}
	switch {
	case ws.Exited():
		return &proto.Header{State: proto.Exited, Code: int32(ws.ExitStatus())}, nil
	case ws.Signaled():
		return &proto.Header{State: proto.Signaled, Code: int32(ws.Signal())}, nil
	}
	return nil, fmt.Errorf("wait: unexpected status %#x", uint32(ws))
}

// killAll kills every other process and reaps them, so that nothing
// changes /out while it is archived.
func killAll() {
	syscall.Kill(-1, syscall.SIGKILL)
	for {
		if _, err := syscall.Wait4(-1, nil, 0, nil); err == syscall.ECHILD {
			return
		}
	}
}
