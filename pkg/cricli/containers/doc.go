// Package containers holds the container commands: ps, inspect, create, start,
// run, stop, rm, update, checkpoint.
package containers
