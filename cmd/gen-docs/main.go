// Command gen-docs writes the man pages (man/) and the shell completion
// scripts (completions/) from the live command tree, and the table of
// allowed differences from crictl (test/compat/allowed.yaml) into
// docs/migrating-from-crictl.md; `make docs` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/containerd/containerd/v2/cmd/ctr/app"
	docs "github.com/urfave/cli-docs/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli"
	"github.com/ctrcri/ctrcri/pkg/crictldiff"
)

// migratingDoc holds the generated table of allowed differences.
const migratingDoc = "docs/migrating-from-crictl.md"

// allowedTable is the compat suite's table of allowed differences; read
// from the tree, as nothing under cmd/ imports test/.
const allowedTable = "test/compat/allowed.yaml"

func main() {
	root := flag.String("C", ".", "repository root to write man/ and completions/ under")
	flag.Parse()
	if err := write(*root); err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

// generate renders every file with urfave/cli-docs and cricli's template;
// ctr(8) is upstream ctr's tree, whose cri command is ctr-cri(8).
func generate() ([]cricli.DocFile, error) {
	docs.MarkdownDocTemplate = cricli.ManTemplate
	ctr := app.New()
	ctr.Commands = append(ctr.Commands, cricli.Command())
	return cricli.Docs(docs.ToManWithSection, ctr)
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
	return writeAllowed(root)
}

// allowedSection returns the migration guide under root with its generated
// section rendered from the compat table.
func allowedSection(root string) (old, fresh []byte, err error) {
	path := filepath.Join(root, filepath.FromSlash(migratingDoc))
	if old, err = os.ReadFile(path); err != nil {
		return nil, nil, err
	}
	table, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(allowedTable)))
	if err != nil {
		return nil, nil, err
	}
	rows, err := crictldiff.Parse(table)
	if err != nil {
		return nil, nil, err
	}
	doc, err := crictldiff.Splice(string(old), crictldiff.Markdown(rows))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", migratingDoc, err)
	}
	return old, []byte(doc), nil
}

// writeAllowed refreshes the generated section of the migration guide; a
// root without the guide (the staleness test's scratch tree) is skipped.
func writeAllowed(root string) error {
	path := filepath.Join(root, filepath.FromSlash(migratingDoc))
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return nil
	}
	_, fresh, err := allowedSection(root)
	if err != nil {
		return err
	}
	return os.WriteFile(path, fresh, 0o644)
}
