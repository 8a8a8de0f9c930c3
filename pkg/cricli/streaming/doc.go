// Package streaming holds the commands that stream or watch: exec, attach,
// port-forward, logs, stats, statsp, metricsp, metricdescs, events.
package streaming
