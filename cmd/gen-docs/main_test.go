package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ctrcri/ctrcri/pkg/cricli"
)

// TestCheckedInDocsAreFresh regenerates man/ and completions/ into a
// temporary directory and compares them with the repository's, file by file.
func TestCheckedInDocsAreFresh(t *testing.T) {
	tmp := t.TempDir()
	if err := write(tmp); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join("..", "..")
	for _, dir := range []string{cricli.ManDir, cricli.CompletionsDir} {
		want, got := list(t, filepath.Join(tmp, dir)), list(t, filepath.Join(repo, dir))
		for _, name := range want {
			path := filepath.Join(dir, name)
			fresh, _ := os.ReadFile(filepath.Join(tmp, path))
			old, err := os.ReadFile(filepath.Join(repo, path))
			switch {
			case err != nil:
				t.Errorf("%s is missing: run make docs", path)
			case !bytes.Equal(old, fresh):
				t.Errorf("%s is stale: run make docs", path)
			}
		}
		for _, name := range got {
			if !slices.Contains(want, name) {
				t.Errorf("%s/%s is no longer generated: run make docs", dir, name)
			}
		}
	}
}

// TestAllowedDifferencesDocIsFresh: the table in the migration guide is the
// one test/compat enforces.
func TestAllowedDifferencesDocIsFresh(t *testing.T) {
	old, fresh, err := allowedSection(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old, fresh) {
		t.Errorf("%s: the allowed-differences section is stale: run make docs", migratingDoc)
	}
}

func list(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestManPages checks what the pages promise a reader: one per visible
// subcommand, section 8, a synopsis with its arguments, options listed.
func TestManPages(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, f := range files {
		if name, ok := strings.CutPrefix(f.Path, cricli.ManDir+"/"); ok {
			pages[name] = string(f.Data)
		}
	}
	for _, sub := range cricli.Command().VisibleCommands() {
		page, ok := pages["ctr-cri-"+sub.Name+".8"]
		if !ok {
			t.Errorf("no man page for %s", sub.Name)
			continue
		}
		if !strings.Contains(page, "\n.TH ctr-cri-"+sub.Name+" 8\n") {
			t.Errorf("ctr-cri-%s.8 does not open with its title in section 8:\n%.200s", sub.Name, page)
		}
		if !strings.Contains(page, "ctr cri "+sub.Name) {
			t.Errorf("ctr-cri-%s.8 has no synopsis", sub.Name)
		}
	}
	root := pages["ctr-cri.8"]
	for _, want := range []string{"ctr [ctr options] cri [cri options] COMMAND", "--runtime-endpoint", `\fBctr-cri-ps\fP(8)`} {
		if !strings.Contains(root, want) {
			t.Errorf("ctr-cri.8 lacks %q", want)
		}
	}
	if inspect := pages["ctr-cri-inspect.8"]; !strings.Contains(inspect, "CONTAINER-ID|NAME") || !strings.Contains(inspect, "--state") {
		t.Errorf("ctr-cri-inspect.8 lacks its arguments or options:\n%s", inspect)
	}
}

// TestMigrationGuideCoversEveryCommand: a command added to the tree must be
// placed in the crictl migration table.
func TestMigrationGuideCoversEveryCommand(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "migrating-from-crictl.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range cricli.Command().VisibleCommands() {
		if !strings.Contains(string(guide), "| `"+sub.Name) {
			t.Errorf("docs/migrating-from-crictl.md has no table row for %s", sub.Name)
		}
	}
}

// Issue 11 item 4 (finding #20): every page has the sections a reader looks
// for, the environment a command really reads, no option shown as
// `=""`, and every page it refers to exists, ctr(8) and crictl(8)
// included.
func TestManPageSections(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, f := range files {
		if name, ok := strings.CutPrefix(f.Path, cricli.ManDir+"/"); ok {
			pages[name] = string(f.Data)
		}
	}
	for _, want := range []string{"ctr.8", "crictl.8", "ctr-cri.8"} {
		if _, ok := pages[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
	ref := regexp.MustCompile(`\\fB([a-z-]+)\\fP\(8\)`)
	for name, page := range pages {
		sections := []string{"NAME", "SYNOPSIS", "EXIT STATUS", "SEE ALSO"}
		if name != "ctr.8" {
			sections = append(sections, "ENVIRONMENT", "FILES")
		}
		if strings.HasPrefix(name, "ctr-cri-") {
			sections = append(sections, "EXAMPLES")
		}
		for _, s := range sections {
			if !strings.Contains(page, "\n.SH "+s+"\n") {
				t.Errorf("%s has no %s section", name, s)
			}
		}
		if strings.Contains(page, `=""`) {
			t.Errorf("%s shows an option as =\"\"", name)
		}
		for _, m := range ref.FindAllStringSubmatch(page, -1) {
			if _, ok := pages[m[1]+".8"]; !ok {
				t.Errorf("%s refers to %s(8), which is not generated", name, m[1])
			}
		}
	}
	for name, want := range map[string][]string{
		// Int flags show their argument and a real default.
		"ctr-cri-ps.8": {`\fB--last\fP, \fB-n\fP \fIint\fP`, "CONTAINER_RUNTIME_ENDPOINT", "CONTAINERD_ADDRESS", "CRI_CONFIG_FILE", "/etc/crictl.yaml", "ctr cri ps -a -q --state exited"},
		// The environment of a command's own flags.
		"ctr-cri-pull.8":     {"CRICTL_CREDS", "CRICTL_AUTH", "CRICTL_PULL_TIMEOUT"},
		"ctr-cri-diagnose.8": {"NODE_NAME", "1 problems found"},
		// crictl's name, crictl's exit codes, no ctr-only variable.
		"crictl.8": {"crictl [global options] command [command options]", "3 an unknown command", "crictl ps -a", `\fBps\fP`, "\n.SH EXAMPLES\n"},
		"ctr.8":    {`\fBcri\fP`, `\fBctr-cri\fP(8)`},
	} {
		for _, w := range want {
			if !strings.Contains(pages[name], w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
	if c := pages["crictl.8"]; strings.Contains(c, "CONTAINERD_ADDRESS") || strings.Contains(c, "CONTAINERD_NAMESPACE") || strings.Contains(c, "ctr cri ") || strings.Contains(c, "ctr --address") {
		t.Errorf("crictl.8 talks about ctr:\n%s", pages["crictl.8"])
	}
}
