package cmdutil

// ExitInterrupted is what exec returns when Ctrl-C or SIGTERM ends the
// session (128 + SIGINT, as shells report it).
const ExitInterrupted = 130

// SilentExit carries an exit code and nothing to print: the remote command
// already said what it had to say.
type SilentExit struct{ Code int }

func (e *SilentExit) Error() string { return "" }

func (e *SilentExit) ExitCode() int { return e.Code }
