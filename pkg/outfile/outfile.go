// Package outfile writes a command's output file (save -o, config --set)
// without ever replacing what the user did not name: "-" is standard
// output; a device, FIFO or pipe is written in place; a symlink is followed
// and its target replaced, except where the kernel's protected_symlinks
// rule would refuse it (another user's link in a sticky world-writable
// directory such as /tmp), whatever that sysctl is set to; a regular file is replaced atomically with its
// mode kept; a new file gets the umask's mode. A failed or interrupted write
// leaves the target untouched and no temporary file behind.
package outfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// maxLinks bounds symlink chains, as the kernel's ELOOP does.
const maxLinks = 40

// Error is a failure of the file itself (not of what was written into it).
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %v", e.Path, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ErrNotWritable says the path names something that is neither a regular
// file, a device nor a FIFO (a directory, a socket).
var ErrNotWritable = errors.New("not a regular file, device or FIFO")

// ErrProtectedLink refuses a symlink in a sticky world-writable directory
// that neither the writer nor the directory's owner owns: the kernel's
// protected_symlinks rule. Such a link may have been planted to make a
// privileged writer replace a file elsewhere.
var ErrProtectedLink = errors.New("a symbolic link in a sticky world-writable directory owned by another user: not followed")

// ErrInterrupted is returned (wrapped) when Ctrl-C, SIGTERM or SIGHUP
// ended the write; the target is untouched and the temporary file removed.
var ErrInterrupted = errors.New("interrupted")

// Write calls write with the destination named by path; stdout when path
// is "-". A regular file (or a new one) is written to a temporary file
// beside it, which is renamed over it only when write returns nil. The ctx
// given to write ends on Ctrl-C, SIGTERM or SIGHUP, so that an interrupted
// write returns through here and its temporary file is removed.
func Write(ctx context.Context, path string, stdout io.Writer, write func(context.Context, io.Writer) error) (err error) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	defer func() {
		if err != nil && errors.Is(ctx.Err(), context.Canceled) {
			err = &Error{Path: path, Err: ErrInterrupted}
		}
	}()
	w := func(out io.Writer) error { return write(ctx, out) }
	if path == "-" {
		return w(stdout)
	}
	if path == "" {
		return &Error{Path: path, Err: errors.New("empty file name")}
	}
	target, inPlace, err := resolve(path)
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	if inPlace {
		return writeInPlace(ctx, path, w)
	}
	return replace(path, target, w)
}

// resolve follows symlinks from path to the name to create or replace, or
// reports that path must be opened as it is: it ends in a device, FIFO or
// pipe, or goes through /proc's fd links (/dev/stdout), whose targets are
// open files, not names.
func resolve(path string) (target string, inPlace bool, err error) {
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return p, false, nil // created here, through a dangling link if need be
		case err != nil:
			return "", false, unwrapPath(err)
		case fi.Mode()&fs.ModeSymlink == 0:
			return checkType(p, fi)
		case underProc(p):
			// /proc/self/fd/N and its kin read like dangling links
			// ("pipe:[123]") but open the file the descriptor refers to.
			fi, err := os.Stat(p)
			if err != nil {
				return "", false, unwrapPath(err)
			}
			if fi.IsDir() {
				return "", false, ErrNotWritable
			}
			return p, true, nil
		}
		if err := protected(p, fi); err != nil {
			return "", false, err
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", false, unwrapPath(err)
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	return "", false, syscall.ELOOP
}

// protected applies the kernel's protected_symlinks rule to the link p
// (lfi its Lstat): in a sticky, world-writable directory a link is
// followed only when the writer or the directory's owner owns it.
func protected(p string, lfi fs.FileInfo) error {
	dfi, err := os.Stat(filepath.Dir(p))
	if err != nil {
		return unwrapPath(err)
	}
	if dfi.Mode()&fs.ModeSticky == 0 || dfi.Mode().Perm()&0o002 == 0 {
		return nil
	}
	lst, ok1 := lfi.Sys().(*syscall.Stat_t)
	dst, ok2 := dfi.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 || lst.Uid == uint32(os.Geteuid()) || lst.Uid == dst.Uid {
		return nil
	}
	return ErrProtectedLink
}

// Check says, before any work is done, whether Write could write path: a
// link it would refuse, a directory, or a missing parent directory is an
// error (an *Error naming path).
func Check(path string) error {
	if path == "-" {
		return nil
	}
	if path == "" {
		return &Error{Path: path, Err: errors.New("empty file name")}
	}
	target, inPlace, err := resolve(path)
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	if inPlace {
		return nil
	}
	fi, err := os.Stat(filepath.Dir(target))
	switch {
	case err != nil:
		return &Error{Path: path, Err: unwrapPath(err)}
	case !fi.IsDir():
		return &Error{Path: path, Err: syscall.ENOTDIR}
	}
	return nil
}

func underProc(p string) bool {
	p = filepath.Clean(p)
	return strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/dev/fd/")
}

func checkType(p string, fi fs.FileInfo) (string, bool, error) {
	switch m := fi.Mode(); {
	case m.IsRegular():
		return p, false, nil
	case m&(fs.ModeDevice|fs.ModeNamedPipe) != 0:
		return p, true, nil
	}
	if fi.IsDir() {
		return "", false, syscall.EISDIR
	}
	return "", false, ErrNotWritable
}

// writeInPlace opens path as it is, for a device, a FIFO or an open
// descriptor. A regular file reached through /proc (/dev/stdout redirected
// to a file) is truncated, as a shell redirection would.
func writeInPlace(ctx context.Context, path string, write func(io.Writer) error) error {
	flags := os.O_WRONLY
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		flags |= os.O_TRUNC
	}
	// Opening a FIFO blocks until a reader comes, and the kernel restarts
	// the open after a signal: wait for it beside ctx instead.
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, flags, 0)
		ch <- opened{f, err}
	}()
	var f *os.File
	select {
	case o := <-ch:
		if o.err != nil {
			return &Error{Path: path, Err: unwrapPath(o.err)}
		}
		f = o.f
	case <-ctx.Done():
		go func() { // a reader may still come: do not leak the descriptor
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return &Error{Path: path, Err: ctx.Err()}
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	return nil
}

// replace writes a temporary file beside target and renames it over target.
// An existing target's permission bits (and owner, when allowed) are kept;
// a new file gets 0666 less the umask, as a shell redirection would.
func replace(path, target string, write func(io.Writer) error) error {
	perm := fs.FileMode(0o666)
	old, err := os.Stat(target)
	exists := err == nil
	if exists {
		perm = old.Mode().Perm()
	}
	tmp, err := createTemp(target, perm)
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	name := tmp.Name()
	defer os.Remove(name) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if exists {
		// The umask narrowed perm at creation; the target's bits are what
		// the owner chose.
		err = tmp.Chmod(perm)
		if st, ok := old.Sys().(*syscall.Stat_t); ok && err == nil {
			_ = tmp.Chown(int(st.Uid), int(st.Gid)) // only root may; keeping the mode is what matters
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, target)
	}
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	return nil
}

// createTemp creates ".NAME.tmp-RANDOM" beside target with perm (less the
// umask); hidden, so that a half-written archive is never mistaken for one.
func createTemp(target string, perm fs.FileMode) (*os.File, error) {
	dir, base := filepath.Split(target)
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64()%1e10, 10))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, errors.New("cannot create a temporary file")
}

// unwrapPath drops the *PathError wrapper: Error names the path the user
// typed, and the underlying cause is what is worth saying.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
