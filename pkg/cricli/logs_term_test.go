package cricli

import (
	"strings"
	"testing"
	"time"
)

// F7: on a terminal, logs shows what would change the terminal's state
// (screen clear, OSC 52 clipboard write, title, cursor moves, DCS) escaped,
// keeps colours, and --raw writes the bytes as they are.
func TestLogsOnATerminalNeutraliseControlSequences(t *testing.T) {
	n, path := logNode(t)
	writeLog(t, path,
		criLine(4, "stdout", "F", "log\x1b[2Jline\x1b]52;c;cHduZWQ=\x07"),
		criLine(5, "stdout", "F", "\x1b]0;title\x1b\\\x1b[10;1H\x1bP1$q\x1b\\\r\u009b2J\u202eend"),
	)
	for _, tc := range []struct {
		raw  bool
		want string
	}{
		{false, "one\nthree\n\x1b[31mred\n" + `log\x1b[2Jline\x1b]52;c;cHduZWQ=\x07` + "\n" +
			`\x1b]0;title\x1b\\x1b[10;1H\x1bP1$q\x1b\\x0d\x9b2J\u202eend` + "\n"},
		{true, "one\nthree\n\x1b[31mred\nlog\x1b[2Jline\x1b]52;c;cHduZWQ=\x07\n\x1b]0;title\x1b\\\x1b[10;1H\x1bP1$q\x1b\\\r\u009b2J\u202eend\n"},
	} {
		master, slave := openPTY(t)
		out := &syncBuffer{}
		readScreen(out, master)
		args := []string{"cri", "logs", "--stream", "stdout", "nginx"}
		if tc.raw {
			args = append(args, "--raw")
		}
		r := startBg(t, n.Endpoint, sessionIO{stdout: slave}, args...).wait(t)
		if r.code != 0 {
			t.Fatalf("raw=%v: exit %d stderr %q", tc.raw, r.code, r.stderr)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), "end") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		// The terminal turns \n into \r\n.
		if got := strings.ReplaceAll(out.String(), "\r\n", "\n"); got != tc.want {
			t.Errorf("raw=%v: the terminal got\n%q\nwant\n%q", tc.raw, got, tc.want)
		}
	}
}

// F20: negative limits other than -1 (none) are usage errors, not "all".
func TestLogsRejectsNegativeLimits(t *testing.T) {
	n, _ := logNode(t)
	ctr(t, n.Endpoint, "cri", "logs", "--tail", "-5", "nginx").fails(t, ExitUsage, "invalid --tail -5")
	ctr(t, n.Endpoint, "cri", "logs", "--limit-bytes", "-7", "nginx").fails(t, ExitUsage, "invalid --limit-bytes -7")
	if r := ctr(t, n.Endpoint, "cri", "logs", "--tail", "-1", "nginx"); r.code != 0 {
		t.Errorf("--tail -1 (all): exit %d %s", r.code, r.stderr)
	}
}
