// Package termui draws on a terminal: live progress views and meters, wait
// lines, raw mode, window-size and detach handling.
package termui
