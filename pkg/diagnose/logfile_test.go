package diagnose_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/ctrd/ctrdtest"
	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/runtime/runtimetest"
)

// R3 and R5: whatever sits at a failed container's log path, diagnose
// finishes within a second, reads nothing outside the host root, and says
// why in logError.
func TestDiagnoseLogPathsThatAreNotPlainFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		plant func(t *testing.T, host, logPath, outside string)
		want  string // in logError; "" means read
		tail  []string
	}{{
		name: "named pipe",
		plant: func(t *testing.T, host, logPath, _ string) {
			if err := syscall.Mkfifo(filepath.Join(host, logPath), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		want: "is not a regular file (a named pipe)",
	}, {
		name: "directory",
		plant: func(t *testing.T, host, logPath, _ string) {
			if err := os.Mkdir(filepath.Join(host, logPath), 0o755); err != nil {
				t.Fatal(err)
			}
		},
		want: "is not a regular file (a directory)",
	}, {
		name: "link to a device",
		plant: func(t *testing.T, host, logPath, _ string) {
			if err := os.Symlink("/dev/zero", filepath.Join(host, logPath)); err != nil {
				t.Fatal(err)
			}
		},
		want: "a symbolic link leads out of the host root",
	}, {
		name: "link out of the host root",
		plant: func(t *testing.T, host, logPath, outside string) {
			if err := os.Symlink(outside, filepath.Join(host, logPath)); err != nil {
				t.Fatal(err)
			}
		},
		want: "a symbolic link leads out of the host root",
	}, {
		name: "relative link out of the host root",
		plant: func(t *testing.T, host, logPath, outside string) {
			rel, _ := filepath.Rel(filepath.Dir(filepath.Join(host, logPath)), outside)
			if err := os.Symlink(rel, filepath.Join(host, logPath)); err != nil {
				t.Fatal(err)
			}
		},
		want: "a symbolic link leads out of the host root",
	}, {
		name: "link inside the host root",
		plant: func(t *testing.T, host, logPath, _ string) {
			writeFile(t, filepath.Join(host, "var/log/pods/real.log"), "2026-01-01T00:00:00Z stderr F inside\n")
			if err := os.Symlink("real.log", filepath.Join(host, logPath)); err != nil {
				t.Fatal(err)
			}
		},
		tail: []string{"inside"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := healthyNode(t)
			host := t.TempDir()
			if err := os.MkdirAll(filepath.Join(host, "var/log/pods"), 0o755); err != nil {
				t.Fatal(err)
			}
			outside := filepath.Join(t.TempDir(), "secret")
			writeFile(t, outside, "2026-01-01T00:00:00Z stdout F password=hunter2\n")
			const logPath = "/var/log/pods/job.log"
			tc.plant(t, host, logPath, outside)
			s.SetContainers(runtimetest.Container{ID: ctrDone, Name: "job", PodID: podReady, State: runtimeapi.ContainerState_CONTAINER_EXITED, LogPath: logPath, ExitCode: 1, Reason: "Error"})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done := make(chan *diagnose.Report, 1)
			start := time.Now()
			go func() {
				rep, err := diagnose.Run(ctx, s.Client(t), ctrdtest.Mirror(s), diagnose.Options{Details: 5, Now: time.Unix(1e9, 0), HostRoot: host})
				if err != nil {
					t.Error(err)
				}
				done <- rep
			}()
			var rep *diagnose.Report
			select {
			case rep = <-done:
			case <-time.After(3 * time.Second):
				t.Fatal("diagnose did not finish")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %s", d)
			}
			if rep == nil || len(rep.Containers.Problems) != 1 {
				t.Fatalf("report %+v", rep)
			}
			p := rep.Containers.Problems[0]
			if tc.want == "" && (p.LogError != "" || strings.Join(p.LogTail, "|") != strings.Join(tc.tail, "|")) ||
				tc.want != "" && (!strings.Contains(p.LogError, tc.want) || len(p.LogTail) != 0) {
				t.Errorf("logTail %q logError %q, want %q", p.LogTail, p.LogError, tc.want)
			}
		})
	}
}
