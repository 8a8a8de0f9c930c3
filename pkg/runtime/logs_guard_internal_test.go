package runtime

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	internalapi "k8s.io/cri-api/pkg/apis"
	"k8s.io/cri-client/pkg/logs"
)

// The status poller implements ContainerStatus only. Should a later
// cri-client call anything else, `logs` must fail with an error line rather
// than crash with a nil-interface panic.
func TestReadLogsSurvivesAReaderThatWantsMore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	if err := os.WriteFile(path, []byte("2026-01-01T00:00:00Z stdout F hi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func(f func(context.Context, string, string, *logs.LogOptions, internalapi.RuntimeService, io.Writer, io.Writer) error) {
		readLogs = f
	}(readLogs)
	readLogs = func(ctx context.Context, _, id string, _ *logs.LogOptions, rs internalapi.RuntimeService, _, _ io.Writer) error {
		_, err := rs.Version(ctx, "v1")
		return err
	}
	c := &Client{}
	err := c.ReadLogs(context.Background(), &LogTarget{ID: "abc", Path: path}, LogOptions{Tail: -1, LimitBytes: -1, Stdout: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "more than the container status") {
		t.Fatalf("err = %v; want the guard's error", err)
	}
}
