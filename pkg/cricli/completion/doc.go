// Package completion is shell completion for the cri tree: the completion
// command, its scripts, and the candidates each command offers.
package completion
