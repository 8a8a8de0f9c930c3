// Package cmdutil is what the command groups share: the session (endpoints,
// crictl.yaml, timeouts, personality), client setup, print and filter flags,
// command metadata (arguments, examples, categories), usage errors and exit
// codes.
package cmdutil
