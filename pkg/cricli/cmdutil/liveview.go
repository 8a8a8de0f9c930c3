package cmdutil

import (
	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
)

// NewLiveView is the command's live view on stderr (nil: none), off under
// --debug, whose traces go there too.
func NewLiveView(cmd *cli.Command) *termui.LiveView {
	return termui.OpenLiveView(Stderr(cmd), func() bool {
		ep, err := ResolveEndpoints(cmd)
		return err != nil || ep.debug
	})
}

// startWaitView starts the command's wait lines (nil: stderr is no terminal).
func startWaitView(cmd *cli.Command) *termui.WaitView {
	return termui.StartWaitLines(NewLiveView(cmd))
}
