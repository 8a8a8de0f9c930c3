package runtime

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// OpenLogFile opens a container's log file for reading without ever
// waiting: it is opened non-blocking (a named pipe planted at a log path
// would otherwise block open until a writer comes, past every deadline and
// signal), checked with fstat to be a regular file, and only then set back
// to blocking. With root, path (absolute, as on the node) is resolved
// inside root (os.Root): a symbolic link that leads out of it is an error,
// so a link planted under the host's /var/log/pods cannot read another
// file of the machine this runs on. Errors name path as the node sees it.
func OpenLogFile(root *os.Root, path string) (*os.File, error) {
	const flags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
	// A first look by name spares opening a device at all; fstat below is
	// what counts (the name may be swapped in between).
	var fi fs.FileInfo
	var err error
	if root != nil {
		fi, err = root.Stat(strings.TrimLeft(path, "/"))
	} else {
		fi, err = os.Stat(path)
	}
	if err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("log file %s is not a regular file (%s)", path, fileKind(fi.Mode()))
	}
	var f *os.File
	if root != nil {
		f, err = root.OpenFile(strings.TrimLeft(path, "/"), flags, 0)
	} else {
		f, err = os.OpenFile(path, flags, 0)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if root != nil && err != nil && strings.Contains(err.Error(), "escapes") {
			return nil, fmt.Errorf("log file %s: a symbolic link leads out of the host root %s", path, root.Name())
		}
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("log file %s is not a regular file (%s)", path, fileKind(fi.Mode()))
	}
	rc, err := f.SyscallConn()
	if err == nil {
		var serr error
		err = rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) })
		err = cmp.Or(err, serr)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("log file %s: %w", path, err)
	}
	return f, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}
