package help

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// globalHelp replaces urfave's GLOBAL OPTIONS (ctr's root flags, most of
// which do nothing under cri) with cri's global flags and the ctr flags
// that act, in every `ctr cri … --help`.
const globalHelp = `{{range .Lineage}}{{if and (eq .Name "cri") (ne $.Name "cri")}}

GLOBAL OPTIONS (before or after COMMAND; after it, use the long form where COMMAND has the same letter):{{range .VisibleFlags}}{{if ne (index .Names 0) "help"}}
   {{wrap .String 6}}{{end}}{{end}}{{end}}{{end}}

CTR OPTIONS (before cri; --address and --connect-timeout also after COMMAND):
   --address string, -a string      containerd socket, used for CRI unless -r or CONTAINER_RUNTIME_ENDPOINT is set [$CONTAINERD_ADDRESS]
   --timeout duration               deadline for the whole command (cri's --timeout is per call)
   --connect-timeout duration       deadline for connecting
   --debug                          same as -D
   --namespace string, -n string    only "k8s.io" is accepted: CRI objects live there ($CONTAINERD_NAMESPACE is ignored)
`

// withGlobalHelp swaps urfave's GLOBAL OPTIONS section of tmpl for
// globalHelp in the help of ctr cri and every command below it; any other
// help is left as it is. installHelpPrinter applies it.
func withGlobalHelp(tmpl string, c *cli.Command) string {
	if !underCtrCri(c) {
		return tmpl
	}
	return strings.Replace(tmpl, persistentHelp, globalHelp, 1)
}

// persistentHelp is the GLOBAL OPTIONS section of urfave's command and
// subcommand help templates.
const persistentHelp = "{{if .VisiblePersistentFlags}}\n\nGLOBAL OPTIONS:{{template \"visiblePersistentFlagTemplate\" .}}{{end}}\n"

// underCtrCri reports whether c is ctr's cri command or below it.
func underCtrCri(c *cli.Command) bool {
	root := c.Root()
	if root == c || cmdutil.PersonalityOf(c).Standalone {
		return false
	}
	for _, p := range c.Lineage() {
		if p.Name == "cri" && p.Root() == root && slices.Contains(root.Commands, p) {
			return true
		}
	}
	return false
}
