// Package e2e holds end-to-end tests: the ctr binary against a real
// containerd with its CRI plugin (a dev node, see test/devnode). TestMain
// starts one node for the package and stops it at the end.
//
// Run them with `make test-e2e` (as root, after `make tools images`). When no
// node can start they skip, unless CTRCRI_E2E=required, which make test and
// CI set, turns that into a failure. CTR_BIN picks the binary under test;
// otherwise bin/ctr is built first.
package e2e
