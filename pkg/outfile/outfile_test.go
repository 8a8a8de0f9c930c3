package outfile

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func put(s string) func(context.Context, io.Writer) error {
	return func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := Write(context.Background(), path, io.Discard, put(s)); err != nil {
		t.Fatalf("Write(%s): %v", path, err)
	}
}

func content(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// onlyEntries fails if dir holds anything but names: no temporary file
// may outlive a write.
func onlyEntries(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func TestDashIsStdout(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := Write(context.Background(), "-", &b, put("archive")); err != nil || b.String() != "archive" {
		t.Fatalf("Write(-) = %v, stdout %q", err, b.String())
	}
}

func TestNewFileGetsTheUmasksMode(t *testing.T) {
	t.Parallel()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "new.tar")
	mustWrite(t, p, "data")
	fi, err := os.Stat(p)
	if err != nil || fi.Mode() != 0o640 || content(t, p) != "data" {
		t.Fatalf("new file: %v, mode %v", err, fi.Mode())
	}
	onlyEntries(t, dir, "new.tar")
}

// F22: replacing a 0600 archive must not make it world-readable.
func TestReplacedFileKeepsItsMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "perm600.tar")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, p, "new")
	fi, _ := os.Stat(p)
	if fi.Mode() != 0o600 || content(t, p) != "new" {
		t.Fatalf("mode %v, content %q; want 0600, new", fi.Mode(), content(t, p))
	}
	onlyEntries(t, dir, "perm600.tar")
}

// F22: a symlink is followed; the link stays, its target is replaced.
func TestSymlinkIsFollowedAndKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "target.tar")
	if err := os.Mkdir(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.tar")
	if err := os.Symlink("real/target.tar", link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.tar")
	if err := os.Symlink("real/later.tar", dangling); err != nil {
		t.Fatal(err)
	}

	mustWrite(t, link, "via link")
	mustWrite(t, dangling, "via dangling link")
	for _, l := range []string{link, dangling} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink", l)
		}
	}
	if fi, _ := os.Stat(target); content(t, target) != "via link" || fi.Mode() != 0o640 {
		t.Errorf("target: %q, mode %v", content(t, target), fi.Mode())
	}
	if got := content(t, filepath.Join(dir, "real", "later.tar")); got != "via dangling link" {
		t.Errorf("dangling link's target: %q", got)
	}
	onlyEntries(t, filepath.Join(dir, "real"), "later.tar", "target.tar")
}

// F1: a FIFO is written into, never replaced by a regular file.
func TestFIFOIsWrittenInPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(p)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	mustWrite(t, p, "through the pipe")
	if s := <-got; s != "through the pipe" {
		t.Errorf("reader got %q", s)
	}
	if fi, _ := os.Lstat(p); fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO became %v", fi.Mode())
	}
	onlyEntries(t, dir, "fifo")
}

// F1: save -o /dev/null as root must not replace the device node.
func TestDeviceIsWrittenInPlace(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("mknod needs root")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "null")
	if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v", err)
	}
	mustWrite(t, p, "discarded")
	fi, _ := os.Lstat(p)
	if fi.Mode()&fs.ModeCharDevice == 0 {
		t.Fatalf("the device node became %v", fi.Mode())
	}
	if b, _ := os.ReadFile(p); len(b) != 0 {
		t.Errorf("reading the null device gives %q", b)
	}
	onlyEntries(t, dir, "null")
}

// F1: /dev/stdout and /dev/fd/N reach the open descriptor (a pipe here),
// as `save -o /dev/stdout | …` and `save -o >(gzip > x)` expect.
func TestProcFdLinkReachesTheDescriptor(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan string)
	go func() { b, _ := io.ReadAll(r); got <- string(b) }()
	fd := strconv.Itoa(int(w.Fd()))
	for _, p := range []string{"/proc/self/fd/" + fd, "/dev/fd/" + fd} {
		mustWrite(t, p, p+";")
	}
	w.Close()
	want := "/proc/self/fd/" + fd + ";/dev/fd/" + fd + ";"
	if s := <-got; s != want {
		t.Errorf("pipe got %q, want %q", s, want)
	}
}

func TestDirectoryIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := Write(context.Background(), dir, io.Discard, put("x"))
	var oe *Error
	if !errors.As(err, &oe) || !errors.Is(err, syscall.EISDIR) || oe.Path != dir {
		t.Fatalf("Write(dir) = %v, want EISDIR naming %s", err, dir)
	}
	onlyEntries(t, dir)
}

func TestFailedWriteLeavesTargetAndNoTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "keep.tar")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(context.Background(), p, io.Discard, func(_ context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) || content(t, p) != "old" {
		t.Fatalf("err %v, content %q", err, content(t, p))
	}
	onlyEntries(t, dir, "keep.tar")
}

// F13: Ctrl-C during a save removes the temporary file and reports the
// interruption; the process is not killed before its cleanup.
// Not parallel: the signal goes to the whole process, and every Write in
// flight would take it as its own Ctrl-C.
func TestSIGINTRemovesTheTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "big.tar")
	err := Write(context.Background(), p, io.Discard, func(ctx context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "partial")
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("ctx not cancelled by SIGINT")
		}
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	onlyEntries(t, dir)
}

func TestFIFOWithoutReaderStopsOnInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Write(ctx, p, io.Discard, put("x"))
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}
