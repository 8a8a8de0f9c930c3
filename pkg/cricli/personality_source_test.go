package cricli

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every difference the crictl personality makes is a named field of
// cmdutil.Personality, read where it applies, or sits in a personality.go
// beside the commands it concerns; no command asks "am I crictl?".
func TestPersonalityBranchesOnlyInPersonalityFiles(t *testing.T) {
	asks := regexp.MustCompile(`\bisCrictl\w*\(|IsCrictl\(\s*(cmd|c|ctx|root)\b|IsCrictlContext|\.Name\s*[!=]=\s*"crictl"|Root\(\)\.Name\s*[!=]=`)
	var files int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".go" || regexp.MustCompile(`_test\.go$`).MatchString(path) {
			return err
		}
		files++
		if filepath.Base(path) == "personality.go" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, loc := range asks.FindAllIndex(data, -1) {
			line := 1
			for _, b := range data[:loc[0]] {
				if b == '\n' {
					line++
				}
			}
			t.Errorf("%s:%d: %q asks for the personality by name: add a field to cmdutil.Personality", path, line, data[loc[0]:loc[1]])
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
