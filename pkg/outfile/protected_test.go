package outfile

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// R8: the kernel's protected_symlinks rule, applied whatever the sysctl
// says: in a sticky world-writable directory (/tmp) a link is followed
// only when its owner is the writer or the directory's owner. root writing
// --profile-cpu /tmp/x onto a link another user planted used to write
// wherever it pointed (and create a dangling link's target).
func TestLinkPlantedInStickyDirIsNotFollowed(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a link another owner")
	}
	const other = 65534
	for _, tc := range []struct {
		name     string
		dirMode  os.FileMode
		linkUID  int
		followed bool
	}{
		{"another user's link in a sticky world-writable dir", os.ModeSticky | 0o777, other, false},
		{"own link in a sticky world-writable dir", os.ModeSticky | 0o777, 0, true},
		{"another user's link in a plain dir", 0o755, other, true},
		{"another user's link in a sticky dir not world-writable", os.ModeSticky | 0o775, other, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tmp")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tc.dirMode); err != nil {
				t.Fatal(err)
			}
			victim := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
				t.Fatal(err)
			}
			dangling := filepath.Join(t.TempDir(), "created")
			for target, link := range map[string]string{victim: "x", dangling: "y"} {
				p := filepath.Join(dir, link)
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
				if err := os.Lchown(p, tc.linkUID, tc.linkUID); err != nil {
					t.Fatal(err)
				}
				err := Write(context.Background(), p, io.Discard, put("profile"))
				_, statErr := os.Stat(dangling)
				data, _ := os.ReadFile(victim)
				switch {
				case tc.followed && err != nil:
					t.Errorf("%s: %v", link, err)
				case !tc.followed && !errors.Is(err, ErrProtectedLink):
					t.Errorf("%s: error %v, want %v", link, err, ErrProtectedLink)
				case !tc.followed && (string(data) != "precious" || statErr == nil):
					t.Errorf("%s: wrote through the link (victim %q, created %v)", link, data, statErr == nil)
				}
			}
		})
	}
}

// Check refuses, before any work, what Write would refuse.
func TestCheckBeforeWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := Check(dir); err == nil {
		t.Error("a directory passed the check")
	}
	if err := Check(filepath.Join(dir, "nope", "x")); err == nil {
		t.Error("a missing directory passed the check")
	}
	if err := Check(filepath.Join(dir, "new")); err != nil {
		t.Errorf("a new file in an existing directory: %v", err)
	}
}
