// Package pods holds the pod sandbox commands: pods, inspectp, runp, stopp,
// rmp.
package pods
