package cricli

// exitInterrupted is what exec returns when Ctrl-C or SIGTERM ends the
// session (128 + SIGINT, as shells report it).
const exitInterrupted = 130

// silentExit carries an exit code and nothing to print: the remote command
// already said what it had to say.
type silentExit struct{ code int }

func (e *silentExit) Error() string { return "" }

func (e *silentExit) ExitCode() int { return e.code }
