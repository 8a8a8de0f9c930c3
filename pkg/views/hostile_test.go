package views

// hostile strings that JSON must escape, or that an encoder could mangle.
var hostile = []string{
	"plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\r",
	"\x00\x01\x1b[31mred\x1b[0m\x7f", "line\u2028sep\u2029par", "ünïcødé 日本語 🐳", "",
}

func pick(i int) string { return hostile[i%len(hostile)] }
