package cricli

import "github.com/urfave/cli/v3"

// newLiveView is the command's live view on stderr (nil: none), off under
// --debug, whose traces go there too.
func newLiveView(cmd *cli.Command) *liveView {
	return openLiveView(cmd.Root().ErrWriter, func() bool {
		ep, err := resolveEndpoints(cmd)
		return err != nil || ep.debug
	})
}

// startWaitView starts the command's wait lines (nil: stderr is no terminal).
func startWaitView(cmd *cli.Command) *waitView {
	return startWaitLines(newLiveView(cmd))
}
