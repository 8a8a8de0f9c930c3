package cricli

import (
	"strings"
	"testing"
)

// A bad flag value is one line in the user's terms: the flag as typed, the
// value, what was wanted; never Go's parser names, never the same thing twice.
func TestFlagValueErrorsSpeakTheUsersTerms(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cri", "update", "--cpu-quota", "abc", "x"}, `invalid value "abc" for --cpu-quota: want a whole number`},
		{[]string{"cri", "update", "--cpu-quota", "99999999999999999999999", "x"}, `invalid value "99999999999999999999999" for --cpu-quota: out of range`},
		{[]string{"cri", "ps", "-n", "x"}, `invalid value "x" for -n: want a whole number`},
		{[]string{"cri", "-t", "abc", "ps"}, `invalid value "abc" for -t: want a duration such as 500ms, 2s or 1m30s`},
		{[]string{"cri", "ps", "--state", "bogus"}, `ctr: invalid --state "bogus": use one of created, running, exited, unknown`},
		{[]string{"cri", "exec", "-s=maybe", "x", "true"}, `invalid value "maybe" for -s: want true or false`},
	} {
		r := ctr(t, "", tc.args...).fails(t, ExitUsage, tc.want)
		if strings.Contains(r.stderr, "strconv") || strings.Contains(r.stderr, "for flag -") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: want one line without parser internals, got %q", tc.args, r.stderr)
		}
	}
}
