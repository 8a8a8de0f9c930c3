package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Finding A.1: devnode down took many seconds and printed nothing. It now
// says what it stops and when it is done, and that there was nothing to
// stop; a directory that is not a node's is still refused and kept.
func TestDownSaysWhatItDid(t *testing.T) {
	tmp := t.TempDir()
	var out, errOut bytes.Buffer
	missing := filepath.Join(tmp, "missing")
	if err := down(missing, &out, &errOut); err != nil || out.String() != "no dev node in "+missing+": nothing to do\n" || errOut.Len() != 0 {
		t.Errorf("down of a missing dir: err %v, stdout %q, stderr %q", err, out.String(), errOut.String())
	}

	empty := filepath.Join(tmp, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	if err := down(empty, &out, &errOut); err != nil {
		t.Fatalf("down of an empty dir: %v", err)
	}
	if !regexp.MustCompile(`^dev node down: `+regexp.QuoteMeta(empty)+` removed in [0-9.]+s\n$`).MatchString(out.String()) ||
		!strings.Contains(errOut.String(), "stopping the dev node in "+empty) {
		t.Errorf("down: stdout %q, stderr %q", out.String(), errOut.String())
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("the node's dir is still there: %v", err)
	}

	other := filepath.Join(tmp, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := down(other, &out, &errOut); err == nil || !strings.Contains(err.Error(), "not a dev node dir") || out.Len() != 0 {
		t.Errorf("down of a dir that is not a node's: err %v, stdout %q", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(other, "keep")); err != nil {
		t.Errorf("a file of a dir that is not a node's was removed: %v", err)
	}
}
