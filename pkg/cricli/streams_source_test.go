package cricli

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Commands write to the session's streams (cmdutil.Stdout, cmdutil.Stderr),
// which Run sets once; only the session reads the root command's, as the
// fallback for a tree run without Run.
func TestCommandsWriteToSessionStreams(t *testing.T) {
	rootStreams := regexp.MustCompile(`\.Root\(\)\.(Writer|ErrWriter)\b|\broot\.(Writer|ErrWriter)\b`)
	var files int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".go" || strings.HasSuffix(path, "_test.go") {
			return err
		}
		files++
		if path == filepath.Join("cmdutil", "session.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, loc := range rootStreams.FindAllIndex(data, -1) {
			line := 1 + strings.Count(string(data[:loc[0]]), "\n")
			t.Errorf("%s:%d: %q: write to cmdutil.Stdout(cmd) or cmdutil.Stderr(cmd)", path, line, data[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 30 {
		t.Fatalf("walked %d files: not the command tree", files)
	}
}
