// Package compat is the differential conformance suite against the real
// crictl: the test in this directory runs a corpus of invocations with both
// binaries on one dev node and fails on any difference that the table of
// allowed differences (allowed.yaml, read by pkg/crictldiff) does not
// explain. The table is also what docs/migrating-from-crictl.md shows
// users; cmd/gen-docs renders it.
package compat

import (
	_ "embed"

	"github.com/ctrcri/ctrcri/pkg/crictldiff"
)

//go:embed allowed.yaml
var allowedYAML []byte

// Table returns the table of allowed differences, checked for sense.
func Table() ([]crictldiff.Allowed, error) { return crictldiff.Parse(allowedYAML) }
