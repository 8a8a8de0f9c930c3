// Command gen-docs writes the man pages (man/) and the shell completion
// scripts (completions/) from the live command tree; `make docs` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	docs "github.com/urfave/cli-docs/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli"
)

func main() {
	root := flag.String("C", ".", "repository root to write man/ and completions/ under")
	flag.Parse()
	if err := write(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

// generate renders every file with urfave/cli-docs and cricli's template.
func generate() ([]cricli.DocFile, error) {
	docs.MarkdownDocTemplate = cricli.ManTemplate
	return cricli.Docs(docs.ToManWithSection)
}

// write replaces man/ and completions/ under root with freshly generated
// files, so pages of removed commands go too.
func write(root string) error {
	files, err := generate()
	if err != nil {
		return err
	}
	for _, dir := range []string{cricli.ManDir, cricli.CompletionsDir} {
		if err := os.RemoveAll(filepath.Join(root, dir)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(f.Path)), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
