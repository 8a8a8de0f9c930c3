package fleet

import "strings"

// Pattern is a problem message with what varies from node to node taken
// out, so that the same failure groups across the fleet: absolute paths
// become <path>, digests and hex IDs of 12 or more digits <id>, other
// standalone numbers N; digits glued to a letter (cgroup v2, ipv6, eth0)
// are part of a name and stay. "exited with code 137 (OOMKilled)" → "exited with code N
// (OOMKilled)"; the reason in parentheses stays, it tells failures apart.
func Pattern(msg string) string {
	var b strings.Builder
	b.Grow(len(msg))
	for i := 0; i < len(msg); {
		c := msg[i]
		switch {
		case c == '/' && (i == 0 || msg[i-1] == ' ' || msg[i-1] == '"' || msg[i-1] == '(' || msg[i-1] == '='):
			j := i
			for j < len(msg) && !strings.ContainsRune(" \"'),;", rune(msg[j])) {
				j++
			}
			// a path's trailing ":" belongs to the message ("open /x: no such file")
			if j > i+1 && msg[j-1] == ':' {
				j--
			}
			b.WriteString("<path>")
			i = j
			continue
		case strings.HasPrefix(msg[i:], "sha256:") && wordStart(msg, i):
			j := i + len("sha256:")
			for j < len(msg) && isHex(msg[j]) {
				j++
			}
			b.WriteString("<id>")
			i = j
			continue
		case isHex(c) && wordStart(msg, i):
			j := i
			digits := 0
			for j < len(msg) && isHex(msg[j]) {
				if msg[j] >= '0' && msg[j] <= '9' {
					digits++
				}
				j++
			}
			if j-i >= 12 && digits > 0 && wordEnd(msg, j) {
				b.WriteString("<id>")
				i = j
				continue
			}
		}
		if c >= '0' && c <= '9' && i > 0 && isLetter(msg[i-1]) {
			// Glued to a word: a version or a name (cgroup v2, ipv6,
			// eth0), not a count.
			j := i
			for j < len(msg) && (msg[j] >= '0' && msg[j] <= '9' || msg[j] == '.' && j+1 < len(msg) && msg[j+1] >= '0' && msg[j+1] <= '9') {
				j++
			}
			b.WriteString(msg[i:j])
			i = j
			continue
		}
		if c >= '0' && c <= '9' {
			j := i
			for j < len(msg) && (msg[j] >= '0' && msg[j] <= '9' || msg[j] == '.' && j+1 < len(msg) && msg[j+1] >= '0' && msg[j+1] <= '9') {
				j++
			}
			b.WriteByte('N')
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }

func wordStart(s string, i int) bool { return i == 0 || !isWord(s[i-1]) }

func wordEnd(s string, j int) bool { return j == len(s) || !isWord(s[j]) }

func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}
