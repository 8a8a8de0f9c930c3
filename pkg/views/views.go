// Package views are the domain's views over pkg/printer: which columns,
// rows and documents pods, containers, images, stats, info, events,
// containerd objects, orphans, diagnose reports and fleet views print, one
// file per domain. The printer engine knows none of these types.
package views
