package images

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The two images every dev node loads.
const (
	PauseRef   = "localhost/ctrcri/pause:latest"
	BusyboxRef = "localhost/ctrcri/busybox:latest"
)

// Archive file names under the images output dir (_build/images).
const (
	PauseArchive   = "pause.tar"
	BusyboxArchive = "busybox.tar"
)

// BusyboxPath is where Debian's busybox-static package puts its binary.
const BusyboxPath = "/bin/busybox"

// pausePkg is built, not shipped, so the image needs only a Go toolchain.
const pausePkg = "github.com/ctrcri/ctrcri/test/images/pause"

// Pause returns the spec of the pause image: a static Go program at /pause
// that sleeps until SIGTERM or SIGINT. It runs `go build`, so the working
// directory must be inside this module.
func Pause() (Spec, error) {
	tmp, err := os.MkdirTemp("", "pause-build")
	if err != nil {
		return Spec{}, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "pause")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pausePkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return Spec{}, fmt.Errorf("build pause: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return Spec{}, err
	}
	return Spec{
		Ref:        PauseRef,
		Files:      map[string]File{"/pause": Regular(data, 0o755)},
		Entrypoint: []string{"/pause"},
	}, nil
}

// Busybox returns the spec of the busybox image: the static busybox binary
// at /bin/busybox, a symlink for each applet where busybox would install it,
// /etc/passwd and /etc/group with root and nobody, and Cmd ["sh"] like
// Docker's busybox image.
func Busybox(binary string) (Spec, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return Spec{}, fmt.Errorf("busybox image: %w (install Debian's busybox-static: make deps)", err)
	}
	if err := checkStatic(binary); err != nil {
		return Spec{}, fmt.Errorf("busybox image: %w (install Debian's busybox-static: make deps)", err)
	}
	out, err := exec.Command(binary, "--list-full").Output()
	if err != nil {
		return Spec{}, fmt.Errorf("busybox --list-full: %w", err)
	}
	files := map[string]File{
		"/bin/busybox": Regular(data, 0o755),
		"/etc/passwd":  Regular([]byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"), 0o644),
		"/etc/group":   Regular([]byte("root:x:0:\nnogroup:x:65534:\n"), 0o644),
		"/root":        Dir(0o700),
		"/tmp":         Dir(0o777 | os.ModeSticky),
		"/var":         Dir(0o755),
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		p := "/" + strings.TrimSpace(sc.Text())
		if p == "/" || p == "/bin/busybox" {
			continue
		}
		files[p] = Symlink("/bin/busybox")
	}
	if _, ok := files["/bin/sh"]; !ok {
		return Spec{}, fmt.Errorf("busybox image: %s has no sh applet", binary)
	}
	return Spec{Ref: BusyboxRef, Files: files, Cmd: []string{"sh"}}, nil
}

// checkStatic rejects a dynamically linked binary, which would not run in an
// image without its libraries (Debian's plain busybox package is one).
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked", path)
		}
	}
	return nil
}

// BuildDefaults writes the pause and busybox archives into dir.
func BuildDefaults(dir string) error {
	pause, err := Pause()
	if err != nil {
		return err
	}
	bb, err := Busybox(BusyboxPath)
	if err != nil {
		return err
	}
	if _, err := Build(filepath.Join(dir, PauseArchive), pause); err != nil {
		return err
	}
	_, err = Build(filepath.Join(dir, BusyboxArchive), bb)
	return err
}
