package profrate

import (
	"strings"
	"testing"
)

// A heap profile asked for must still sample: init turns sampling off
// only when no spelling of --profile-mem is on the command line.
func TestWantsMemProfile(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"cri --profile-mem mem.prof version", true},
		{"cri --profile-mem=mem.prof ps", true},
		{"cri -profile-mem mem.prof ps", true},
		{"cri -profile-mem=mem.prof ps", true},
		{"cri --profile-cpu cpu.prof ps", false},
		{"cri ps", false},
		{"--version", false},
		{"cri --profile-memory x ps", false},
	} {
		if got := WantsMemProfile(strings.Fields(tc.args)); got != tc.want {
			t.Errorf("WantsMemProfile(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
