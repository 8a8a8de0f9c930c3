package cmdutil

import (
	"runtime/debug"
)

// Version is this binary's version: make stamps it with -ldflags "-X" from
// git describe. ctr --version, crictl --version, ctr cri version and
// diagnose all report clientVersion().
var Version = ""

// ClientVersion is Version, else what the Go toolchain recorded: the
// module version (go install …@v1.2.3), else the VCS revision, else
// "(devel)".
func ClientVersion() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		return rev + dirty
	}
	return "(devel)"
}
