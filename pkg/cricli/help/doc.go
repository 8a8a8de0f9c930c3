// Package help renders help and man pages for the cri tree: examples,
// categories, the global options section, and the man page sections derived
// from each command's declaration.
package help
