package cricli

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Profiles are written through pkg/outfile like save -o: a symlink keeps
// pointing where it did and a 0600 file stays 0600.
func TestProfilesKeepSymlinksAndModes(t *testing.T) {
	s := node(t)
	dir := t.TempDir()
	cpu := filepath.Join(dir, "cpu.pprof")
	if err := os.WriteFile(cpu, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "mem.real")
	link := filepath.Join(dir, "mem.pprof")
	symlink(t, "mem.real", link)
	ctr(t, s.Endpoint, "cri", "--profile-cpu", cpu, "--profile-mem", link, "version").ok(t)
	if fi, err := os.Stat(cpu); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
		t.Errorf("cpu profile: %v, %v", err, fi)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("the symlink was replaced: %v", fi)
	}
	if fi, err := os.Stat(real); err != nil || fi.Size() == 0 {
		t.Errorf("the heap profile did not reach the link's target: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("left behind: %v", ents)
	}
}

// R8: a profile path that cannot be written (a directory) fails before
// the command does its work: no RPC is made.
func TestProfilePathsAreCheckedFirst(t *testing.T) {
	s := node(t)
	dir := t.TempDir()
	for _, flag := range []string{"--profile-cpu", "--profile-mem"} {
		ctr(t, s.Endpoint, "cri", flag, dir, "version").fails(t, ExitFailed, "create profile "+dir+": is a directory")
	}
	if calls := s.RuntimeCalls(); len(calls) != 0 {
		t.Errorf("the command ran before its profile path was refused: %v", calls)
	}
}
