package cricli

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"

	"google.golang.org/grpc"
)

// writeAt writes a fixture at path, which the test has chosen.
func writeAt(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mkdirAll is os.MkdirAll for a fixture tree.
func mkdirAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

// symlink is os.Symlink for a fixture.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// serveBg runs a fake server's Serve in the background. Only an error
// other than the server being stopped or closed by the test's cleanup
// fails the test: a fake that stops serving early would otherwise show up
// as a confusing dial error in the command under test.
func serveBg(t *testing.T, serve func() error) {
	go func() {
		err := serve()
		if err == nil || errors.Is(err, grpc.ErrServerStopped) || errors.Is(err, http.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
			return
		}
		t.Errorf("fake server: %v", err)
	}()
}

// readScreen copies what a pty master reads into screen until the pty
// closes. The copy's error is ignored: once the last slave descriptor is
// closed, a read on the master fails with EIO, which is how the copy ends.
func readScreen(screen io.Writer, master *os.File) {
	go func() { _, _ = io.Copy(screen, master) }()
}

// typeIn writes keys to a pty master, as a user typing at the terminal.
func typeIn(t *testing.T, master *os.File, keys []byte) {
	t.Helper()
	if _, err := master.Write(keys); err != nil {
		t.Fatalf("type %q: %v", keys, err)
	}
}
