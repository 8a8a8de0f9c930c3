package compat

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Placeholders in arguments and files (see Fixture): {P} {R} {X} {K} and
// their 13-character prefixes {R13} …, {P2} {R1} {R2} {N} on the shared
// fixture, {IMG} {IMG13} the busybox image ID, {BUSYBOX} {PAUSE} refs,
// {REG} the in-test registry, {UID} a pod UID of this fixture, {DIR} the
// run directory, {CGROOT} the node's cgroup root.

// crictlCommands are all of crictl v1.37's commands.
var crictlCommands = []string{
	"attach", "checkpoint", "completion", "config", "create", "events", "exec", "imagefsinfo", "images",
	"info", "inspect", "inspecti", "inspectp", "logs", "metricdescs", "metricsp", "pods", "port-forward",
	"ps", "pull", "rm", "rmi", "rmp", "run", "runp", "runtime-config", "start", "stats", "statsp", "stop",
	"stopp", "update", "update-runtime-config", "version",
}

// Scratch files the config, runp, create and run invocations use.
const (
	podJSON = `{"metadata":{"name":"rp","namespace":"rns","uid":"{UID}"},"log_directory":"{DIR}/logs",` +
		`"linux":{"cgroup_parent":"{CGROOT}/pod{UID}"}}`
	podYAML = "metadata:\n  name: rp\n  namespace: rns\n  uid: \"{UID}\"\nlog_directory: {DIR}/logs\n" +
		"linux:\n  cgroup_parent: {CGROOT}/pod{UID}\n"
	podExtraField = `{"metadata":{"name":"rp","namespace":"rns","uid":"{UID}"},"extra_field":1,` +
		`"linux":{"cgroup_parent":"{CGROOT}/pod{UID}"}}`
	podCamel = `{"metadata":{"name":"rp","namespace":"rns","uid":"{UID}"},"logDirectory":"{DIR}/logs",` +
		`"linux":{"cgroup_parent":"{CGROOT}/pod{UID}"}}`
	podNoMeta     = `{"linux":{"cgroup_parent":"{CGROOT}/pod{UID}"}}`
	podBadJSON    = `{"metadata":`
	ctrJSON       = `{"metadata":{"name":"c"},"image":{"image":"{BUSYBOX}"},"command":["sleep","3600"],"log_path":"c.log","linux":{}}`
	ctrYAML       = "metadata:\n  name: c\nimage:\n  image: {BUSYBOX}\ncommand: [sleep, \"3600\"]\nlog_path: c.log\nlinux: {}\n"
	ctrAbsent     = `{"metadata":{"name":"c"},"image":{"image":"localhost/compat/absent:1"},"command":["sleep","3600"],"linux":{}}`
	cfgCommented  = "# crictl settings\nruntime-endpoint: unix:///run/x.sock # the runtime\n\n# debugging\ndebug: false\n"
	cfgDuplicate  = "debug: false\ntimeout: 3\ndebug: false\n"
	cfgFull       = "runtime-endpoint: unix:///run/x.sock\nimage-endpoint: unix:///run/y.sock\ntimeout: 7\ndebug: true\npull-image-on-create: true\ndisable-pull-on-run: true\n"
	cfgUnknownKey = "runtime-endpoint: unix://{SOCK}\nfoo: bar\n"
	cfgBadValue   = "runtime-endpoint: unix://{SOCK}\ntimeout: abc\n"
	cfgEndpoint   = "runtime-endpoint: unix://{SOCK}\ntimeout: 20\n"
)

var reTemplateID = regexp.MustCompile(`[^A-Za-z0-9.]+`)

// idOf names a form by its arguments, a template by its words, so ids stay
// short, blank-free and unique.
func idOf(args []string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "{{") {
			a = "T:" + reTemplateID.ReplaceAllString(a, "")
		}
		parts[i] = a
	}
	return strings.Join(parts, "")
}

// Corpus returns every invocation. IDs are "<command>/<form>"; the table of
// allowed differences names them.
func Corpus() []Inv {
	var c []Inv
	add := func(k fixKind, id string, args ...string) *Inv {
		c = append(c, Inv{ID: id, Args: args, Fix: k})
		return &c[len(c)-1]
	}
	sh := func(id string, args ...string) *Inv { return add(fixShared, id, args...) }
	fr := func(id string, args ...string) *Inv { return add(fixFresh, id, args...) }
	nd := func(id string, args ...string) *Inv { return add(fixNode, id, args...) }
	em := func(id string, args ...string) *Inv { return add(fixEmpty, id, args...) }
	stream := func(inv *Inv, d time.Duration) *Inv { inv.Kill = d; return inv }
	help := func(inv *Inv) { inv.Help = true }
	files := func(inv *Inv, kv ...string) *Inv {
		inv.Files = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			inv.Files[kv[i]] = kv[i+1]
		}
		return inv
	}
	// cfg runs a config invocation on a scratch file c.yaml (initial
	// content, or none when empty) and compares the file afterwards.
	cfg := func(id, content string, args ...string) *Inv {
		inv := sh(id, args...)
		if content != "" {
			files(inv, "c.yaml", content)
		}
		inv.Env = []string{"CRI_CONFIG_FILE={DIR}/c.yaml"}
		inv.Check = []string{"c.yaml"}
		return inv
	}

	// Help of every command, in each form crictl accepts; an unknown flag.
	for _, cmd := range crictlCommands {
		help(sh("help/"+cmd+"/--help", cmd, "--help"))
		help(sh("help/"+cmd+"/-h", cmd, "-h"))
		help(sh("help/"+cmd+"/help-cmd", "help", cmd))
		sh(cmd+"/bogus-flag", cmd, "--bogus")
	}
	help(sh("help/ps/ps-help", "ps", "help"))
	help(sh("help/ps/ps-h", "ps", "h"))
	help(sh("help/images/image-h", "image", "--help"))
	help(sh("help/images/img-h", "img", "--help"))
	help(sh("help/events/event-h", "event", "--help"))
	help(sh("help/h/h-ps", "h", "ps"))

	// Top level and global flags.
	help(sh("top/no-args"))
	help(sh("top/--help", "--help"))
	help(sh("top/-h", "-h"))
	help(sh("top/help", "help"))
	help(sh("top/h", "h"))
	sh("top/--version", "--version")
	sh("top/-v", "-v")
	sh("top/unknown-command", "foo")
	sh("top/help-unknown", "help", "foo")
	sh("top/bogus-global-flag", "--bogus", "version")
	sh("global/-D", "-D", "version")
	sh("global/--debug", "--debug", "version")
	sh("global/-t", "-t", "5s", "version")
	sh("global/--timeout=", "--timeout=5s", "version")
	sh("global/-t-0", "-t", "0", "version")
	sh("global/-t-bogus", "-t", "bogus", "version")
	sh("global/--max-retries-0", "--max-retries", "0", "version")
	sh("global/--max-retries-5", "--max-retries", "5", "version")
	sh("global/--max-retries-abc", "--max-retries", "abc", "version")
	sh("global/--enable-tracing", "--enable-tracing", "version")
	sh("global/--tracing-endpoint", "--tracing-endpoint", "127.0.0.1:4317", "version")
	sh("global/--tracing-sampling-rate", "--tracing-sampling-rate-per-million", "0", "version")
	sh("global/--tracing-sampling-rate-bad", "--tracing-sampling-rate-per-million", "abc", "version")
	sh("global/--profile-cpu", "--profile-cpu", "cpu.prof", "version")
	sh("global/--profile-mem", "--profile-mem", "mem.prof", "version")
	sh("global/-r", "-r", "unix://{SOCK}", "version")
	sh("global/--runtime-endpoint", "--runtime-endpoint", "unix://{SOCK}", "version")
	sh("global/-r-plain-path", "-r", "{SOCK}", "version")
	sh("global/-i", "-i", "unix://{SOCK}", "images", "-q")
	sh("global/--image-endpoint", "--image-endpoint", "unix://{SOCK}", "images", "-q")
	sh("global/-r-missing", "--max-retries", "0", "-r", "unix:///nonexistent.sock", "version")
	sh("global/-r-tcp", "--max-retries", "0", "-r", "tcp://127.0.0.1:1", "version")
	sh("global/-r-bogus-scheme", "-r", "bogus://x", "version")
	sh("global/-r-empty", "-r", "", "version")
	sh("global/-i-missing", "--max-retries", "0", "-i", "unix:///nonexistent.sock", "images")
	sh("global/-c-missing", "-c", "missing.yaml", "version")
	files(sh("global/-c", "-c", "c.yaml", "version"), "c.yaml", cfgEndpoint)
	files(sh("global/--config=", "--config=c.yaml", "version"), "c.yaml", cfgEndpoint)
	files(sh("global/-c-unknown-key", "-c", "c.yaml", "version"), "c.yaml", cfgUnknownKey)
	files(sh("global/-c-bad-value", "-c", "c.yaml", "version"), "c.yaml", cfgBadValue)
	// The endpoint from the config file alone, no variable.
	files(sh("global/config-endpoint-only", "version"), "c.yaml", cfgEndpoint).Env =
		[]string{"CONTAINER_RUNTIME_ENDPOINT=", "CRI_CONFIG_FILE={DIR}/c.yaml"}
	sh("global/env-empty-endpoint", "version").Env = []string{"CONTAINER_RUNTIME_ENDPOINT="}
	sh("global/flags-after-command", "images", "-r", "unix://{SOCK}")
	sh("global/exe-dir-config", "version").ExeDir = true
	sh("global/exe-dir-config-pods", "pods", "-q").ExeDir = true

	// version, info, runtime-config, update-runtime-config.
	sh("version/plain", "version")
	sh("version/extra-arg", "version", "x")
	sh("version/-o-json", "version", "-o", "json")
	sh("info/plain", "info")
	sh("info/-o-json", "info", "-o", "json")
	sh("info/-o-yaml", "info", "-o", "yaml")
	sh("info/-o-table", "info", "-o", "table")
	sh("info/-o-bogus", "info", "-o", "bogus")
	sh("info/-o-go-template", "info", "-o", "go-template", "--template", "{{.status.conditions}}")
	sh("info/-o-go-template-no-template", "info", "-o", "go-template")
	sh("info/template-missing-key", "info", "-o", "go-template", "--template", "{{.nope.deeper}}")
	sh("info/-q", "info", "-q")
	sh("info/--quiet", "info", "--quiet")
	sh("info/-q-yaml", "info", "-q", "-o", "yaml")
	sh("info/extra-arg", "info", "x")
	sh("runtime-config/plain", "runtime-config")
	sh("runtime-config/extra-arg", "runtime-config", "x")
	sh("update-runtime-config/no-args", "update-runtime-config")
	sh("update-runtime-config/extra-arg", "update-runtime-config", "x")
	nd("update-runtime-config/-p", "update-runtime-config", "-p", "10.88.0.0/16")
	nd("update-runtime-config/--pod-cidr", "update-runtime-config", "--pod-cidr", "10.88.0.0/16")

	// imagefsinfo.
	sh("imagefsinfo/plain", "imagefsinfo").Volatile = true
	sh("imagefsinfo/-o-json", "imagefsinfo", "-o", "json").Volatile = true
	sh("imagefsinfo/-o-yaml", "imagefsinfo", "-o", "yaml").Volatile = true
	sh("imagefsinfo/-o-table", "imagefsinfo", "-o", "table").Volatile = true
	sh("imagefsinfo/-o-go-template", "imagefsinfo", "-o", "go-template", "--template", "{{len .status.imageFilesystems}}")
	sh("imagefsinfo/-o-bogus", "imagefsinfo", "-o", "bogus")
	sh("imagefsinfo/extra-arg", "imagefsinfo", "x").Volatile = true

	// images and its aliases.
	for _, alias := range []string{"images", "image", "img"} {
		sh(alias+"/plain", alias)
	}
	sh("images/-q", "images", "-q")
	sh("images/--quiet", "images", "--quiet")
	sh("images/-v", "images", "-v")
	sh("images/-qv", "images", "-qv")
	sh("images/--digests", "images", "--digests")
	sh("images/--no-trunc", "images", "--no-trunc")
	sh("images/--pinned", "images", "--pinned")
	sh("images/-o-json", "images", "-o", "json")
	sh("images/-o-yaml", "images", "-o", "yaml")
	sh("images/-o-table", "images", "-o", "table")
	sh("images/-o-go-template", "images", "-o", "go-template", "--template", "{{range .images}}{{.id}} {{end}}")
	sh("images/-o-bogus", "images", "-o", "bogus")
	sh("images/-q-o-json", "images", "-q", "-o", "json")
	sh("images/-f-dangling-true", "images", "-f", "dangling=true")
	sh("images/-f-dangling-false", "images", "--filter", "dangling=false")
	sh("images/-f-reference", "images", "-f", "reference=localhost/ctrcri/busybox")
	sh("images/-f-reference-glob", "images", "-f", "reference=*box*")
	sh("images/-f-before", "images", "-f", "before={BUSYBOX}")
	sh("images/-f-since", "images", "-f", "since={PAUSE}")
	sh("images/-f-bogus", "images", "-f", "bogus=1")
	sh("images/repo-arg", "images", "localhost/ctrcri/busybox")
	sh("images/ref-arg", "images", "{BUSYBOX}")
	sh("images/two-args", "images", "a", "b")

	// ps.
	for _, f := range [][]string{
		{"plain"}, {"-a"}, {"--all"}, {"-q"}, {"--quiet"}, {"-aq"}, {"-a", "-q"}, {"-v"}, {"--verbose"}, {"-av"},
		{"--no-trunc"}, {"-a", "--no-trunc"}, {"-o", "json"}, {"-a", "-o", "json"}, {"-o", "yaml"}, {"-a", "-o", "yaml"},
		{"-o", "table"}, {"-o", "go-template", "--template", "{{range .containers}}{{.metadata.name}} {{end}}"},
		{"-o", "bogus"}, {"-q", "-o", "json"}, {"--id", "{R}"}, {"--id", "{R13}"}, {"-a", "--id", "{X}"},
		{"--name", "r"}, {"--name", "^r$"}, {"--name", "nomatch"}, {"-a", "--pod", "{P}"}, {"-p", "{P2}"},
		{"--image", "{BUSYBOX}"}, {"-a", "--image", "{IMG}"}, {"--label", "io.kubernetes.container.name=r"},
		{"--label", "a=b=c"}, {"--label", "nokey"}, {"-l"}, {"--latest"}, {"-n", "1"}, {"--last", "1"}, {"-an", "2"},
		{"--last", "-1"}, {"--last", "abc"}, {"-s", "running"}, {"--state", "exited"}, {"-a", "--state", "created"},
		{"--state", "bogus"}, {"-r"}, {"--resolve-image-path"}, {"--namespace", "compat"}, {"--namespace", "nomatch"},
		{"extra-arg"}, {"-a", "-o", "go-template", "--template", "{{.nope}}"},
	} {
		id := "ps/" + idOf(f)
		args := append([]string{"ps"}, f...)
		if f[0] == "plain" {
			args = []string{"ps"}
		}
		if f[0] == "extra-arg" {
			args = []string{"ps", "foo"}
		}
		sh(id, args...)
	}

	// pods.
	for _, f := range [][]string{
		{"plain"}, {"-q"}, {"--quiet"}, {"-v"}, {"--verbose"}, {"--no-trunc"}, {"-o", "json"}, {"-o", "yaml"}, {"-o", "table"},
		{"-o", "go-template", "--template", "{{range .items}}{{.metadata.name}} {{end}}"}, {"-o", "bogus"},
		{"-q", "-o", "json"}, {"--id", "{P}"}, {"--id", "{P13}"}, {"--name", "cp"}, {"--name", "nomatch"},
		{"--namespace", "compat"}, {"--namespace", "^comp"}, {"--state", "ready"}, {"-s", "notready"},
		{"--state", "bogus"}, {"--label", "io.kubernetes.pod.name=cq"}, {"-l"}, {"--latest"}, {"-n", "1"},
		{"--last", "2"}, {"-ql"}, {"-qv"}, {"--last", "-1"}, {"extra-arg"},
	} {
		id := "pods/" + idOf(f)
		args := append([]string{"pods"}, f...)
		if f[0] == "plain" {
			args = []string{"pods"}
		}
		if f[0] == "extra-arg" {
			args = []string{"pods", "x"}
		}
		sh(id, args...)
	}

	// inspect, inspectp, inspecti.
	for _, f := range [][]string{
		{"{R}"}, {"{X}"}, {"{K}"}, {"{R13}"}, {"{R}", "{X}"}, {"{R}", "deadbeef"}, {"deadbeef"}, {"-o", "yaml", "{R}"},
		{"-o", "json", "{R}"}, {"-o", "table", "{X}"}, {"-o", "go-template", "--template", "{{.info.pid}}", "{R}"},
		{"-o", "go-template", "--template", "{{.status.state}}", "{R}"},
		{"-o", "go-template", "--template", "{{.status.nope}}", "{R}"}, {"-o", "bogus", "{R}"}, {"-q", "{R}"},
		{"--quiet", "{X}"}, {"--name", "r"}, {"--name", "nomatch"}, {"--pod", "{P}"}, {"-p", "{P2}"},
		{"-a", "--pod", "{P}"}, {"--all", "--pod", "{P}"}, {"--state", "exited"}, {"-s", "exited"}, {"-l"}, {"--latest"},
		{"-n", "1"}, {"--last", "1"}, {"--label", "io.kubernetes.container.name=x"}, {"-a", "--image", "{BUSYBOX}"},
		{"--namespace", "compat"}, {"-aq", "--pod", "{P}"},
	} {
		sh("inspect/"+idOf(f), append([]string{"inspect"}, f...)...)
	}
	sh("inspect/no-args", "inspect")
	for _, f := range [][]string{
		{"{P}"}, {"{N}"}, {"{P13}"}, {"{P}", "{P2}"}, {"{P}", "deadbeef"}, {"deadbeef"}, {"-o", "yaml", "{P}"},
		{"-o", "json", "{P}"}, {"-o", "table", "{P}"}, {"-o", "go-template", "--template", "{{.info.pid}}", "{P}"},
		{"-o", "go-template", "--template", "{{.status.nope}}", "{P}"}, {"-q", "{P}"}, {"--name", "cp"},
		{"--name", "nomatch"}, {"--state", "ready"}, {"-s", "notready"}, {"-l"}, {"-n", "1"},
		{"--namespace", "compat"}, {"--label", "io.kubernetes.pod.name=cq"}, {"-o", "bogus", "{P}"},
	} {
		sh("inspectp/"+idOf(f), append([]string{"inspectp"}, f...)...)
	}
	sh("inspectp/no-args", "inspectp")
	for _, f := range [][]string{
		{"{BUSYBOX}"}, {"{IMG}"}, {"{IMG13}"}, {"{BUSYBOX}", "{PAUSE}"}, {"localhost/nope:1"}, {"-o", "yaml", "{BUSYBOX}"},
		{"-o", "json", "{BUSYBOX}"}, {"-o", "table", "{BUSYBOX}"},
		{"-o", "go-template", "--template", "{{.status.id}}", "{BUSYBOX}"},
		{"-o", "go-template", "--template", "{{.info.chainID}}", "{BUSYBOX}"}, {"-q", "{BUSYBOX}"},
		{"--name", "{BUSYBOX}"}, {"-f", "dangling=false"}, {"--filter", "reference={BUSYBOX}"}, {"-o", "bogus", "{BUSYBOX}"},
	} {
		sh("inspecti/"+idOf(f), append([]string{"inspecti"}, f...)...)
	}
	sh("inspecti/no-args", "inspecti")

	// logs.
	for _, f := range [][]string{
		{"{X}"}, {"{R}"}, {"{X13}"}, {"--tail", "1", "{X}"}, {"--tail=0", "{X}"}, {"--tail", "-1", "{X}"}, {"-t", "{X}"},
		{"--timestamps", "{X}"}, {"--since", "1h", "{X}"}, {"--since", "2000-01-01T00:00:00Z", "{X}"},
		{"--since", "bogus", "{X}"}, {"-s", "stdout", "{X}"}, {"--stream", "stderr", "{X}"}, {"--stream", "bogus", "{X}"},
		{"--tail", "1", "-s", "stdout", "{X}"}, {"--limit-bytes", "4", "{X}"}, {"-p", "{X}"}, {"--previous", "{X}"},
		{"-r", "{X}"}, {"--reopen", "{X}"}, {"{K}"}, {"deadbeef"}, {"{X}", "extra"}, {"-f", "{X}"}, {"-tf", "{X}"},
	} {
		sh("logs/"+idOf(f), append([]string{"logs"}, f...)...)
	}
	sh("logs/no-args", "logs")
	stream(sh("logs/-f-running", "logs", "-f", "{R}"), 3*time.Second)
	stream(sh("logs/--follow-running", "logs", "--follow", "{R}"), 3*time.Second)

	// exec.
	sh("exec/no-args", "exec")
	sh("exec/no-command", "exec", "{R}")
	sh("exec/echo", "exec", "{R}", "echo", "hi")
	sh("exec/prefix", "exec", "{R13}", "echo", "hi")
	sh("exec/-s", "exec", "-s", "{R}", "echo", "hi")
	sh("exec/--sync", "exec", "--sync", "{R}", "sh", "-c", "echo out; echo err >&2")
	sh("exec/exit-3", "exec", "{R}", "sh", "-c", "exit 3")
	sh("exec/-s-exit-3", "exec", "-s", "{R}", "sh", "-c", "exit 3")
	sh("exec/exited", "exec", "{X}", "echo", "hi")
	sh("exec/unknown", "exec", "deadbeef", "echo", "hi")
	sh("exec/-i", "exec", "-i", "{R}", "cat").Stdin = "piped\n"
	sh("exec/--interactive", "exec", "--interactive", "{R}", "cat").Stdin = "piped\n"
	sh("exec/-it-no-tty", "exec", "-it", "{R}", "echo", "hi")
	sh("exec/-t-no-i", "exec", "-t", "{R}", "echo", "hi")
	sh("exec/--timeout-no-s", "exec", "--timeout", "5", "{R}", "echo", "hi")
	sh("exec/-s--timeout", "exec", "-s", "--timeout", "5", "{R}", "echo", "hi")
	sh("exec/longer-than-2s", "exec", "{R}", "sh", "-c", "sleep 3; echo done")
	sh("exec/-s-longer-than-2s", "exec", "-s", "{R}", "sh", "-c", "sleep 3; echo done")
	sh("exec/--pod-two", "exec", "--pod", "{P2}", "echo", "hi")
	sh("exec/-p-two-x", "exec", "-p", "{P2}", "-x", "echo", "hi")
	sh("exec/--pod-two-parallel", "exec", "--pod", "{P2}", "--parallel", "echo", "hi")
	sh("exec/--pod-one", "exec", "--pod", "{P}", "echo", "hi")
	sh("exec/--pod-one-e", "exec", "--pod", "{P}", "-e", "sh", "-c", "exit 2")
	sh("exec/--pod-two-ignore-errors", "exec", "--pod", "{P2}", "--ignore-errors", "sh", "-c", "exit 2")
	sh("exec/--name", "exec", "--name", "r1", "echo", "hi")
	sh("exec/--label", "exec", "--label", "io.kubernetes.container.name=r2", "echo", "hi")
	sh("exec/--image", "exec", "--image", "{BUSYBOX}", "-p", "{P2}", "echo", "hi")
	sh("exec/--state", "exec", "--state", "running", "-p", "{P}", "echo", "hi")
	sh("exec/-l", "exec", "-l", "echo", "hi")
	sh("exec/--latest", "exec", "--latest", "echo", "hi")
	sh("exec/-n", "exec", "-n", "1", "echo", "hi")
	sh("exec/-q", "exec", "-q", "-p", "{P2}", "echo", "hi")
	sh("exec/--quiet", "exec", "--quiet", "-p", "{P2}", "echo", "hi")
	sh("exec/--name-nomatch", "exec", "--name", "nomatch", "echo", "hi")
	sh("exec/-r-websocket", "exec", "-r", "websocket", "{R}", "echo", "hi")
	sh("exec/--transport-spdy", "exec", "--transport", "spdy", "{R}", "echo", "hi")
	sh("exec/--transport-bogus", "exec", "--transport", "bogus", "{R}", "echo", "hi")
	sh("exec/--tls-sni", "exec", "--tls-sni", "x", "{R}", "echo", "hi")
	sh("exec/flags-after-command", "exec", "{R}", "ls", "-d", "/")

	// attach, port-forward.
	sh("attach/no-args", "attach")
	sh("attach/unknown", "attach", "deadbeef")
	sh("attach/exited", "attach", "{X}")
	stream(sh("attach/running", "attach", "{R}"), 3*time.Second)
	stream(sh("attach/-i", "attach", "-i", "{R}"), 3*time.Second)
	sh("attach/-it-no-tty", "attach", "-it", "{R}")
	sh("port-forward/no-args", "port-forward")
	sh("port-forward/no-port", "port-forward", "{P}")
	sh("port-forward/unknown", "port-forward", "deadbeef", "18091:8080")
	sh("port-forward/bad-port", "port-forward", "{P}", "notaport")
	stream(sh("port-forward/forward", "port-forward", "{P}", "18091:8080"), 3*time.Second)

	// stats, statsp, metricsp, metricdescs.
	for _, f := range [][]string{
		{"plain"}, {"-a"}, {"--all"}, {"--id", "{R}"}, {"{R}"}, {"-p", "{P}"}, {"--pod", "{P2}"},
		{"--label", "io.kubernetes.container.name=r"}, {"-o", "json"}, {"-a", "-o", "json"}, {"-o", "yaml"},
		{"-o", "table"}, {"-o", "go-template", "--template", "{{len .stats}}"}, {"-o", "bogus"}, {"-s", "2"},
		{"deadbeef"},
	} {
		inv := sh("stats/"+idOf(f), append([]string{"stats"}, f...)...)
		if f[0] == "plain" {
			inv.Args = []string{"stats"}
		}
		inv.Volatile = true
	}
	// How many refreshes a watch prints before it is stopped is timing.
	stream(sh("stats/-w", "stats", "-w", "--id", "{R}"), 3*time.Second).Racy = true
	stream(sh("stats/--watch", "stats", "--watch", "-s", "1", "--id", "{R}"), 3*time.Second).Racy = true
	for _, f := range [][]string{
		{"plain"}, {"--id", "{P}"}, {"{P}"}, {"--label", "io.kubernetes.pod.name=cq"}, {"-o", "json"}, {"-o", "yaml"},
		{"-o", "table"}, {"-o", "bogus"}, {"deadbeef"},
	} {
		inv := sh("statsp/"+idOf(f), append([]string{"statsp"}, f...)...)
		if f[0] == "plain" {
			inv.Args = []string{"statsp"}
		}
		inv.Volatile = true
	}
	stream(sh("statsp/-w", "statsp", "-w", "--id", "{P}"), 3*time.Second).Racy = true
	sh("metricsp/plain", "metricsp").Volatile = true
	sh("metricsp/-o-json", "metricsp", "-o", "json").Volatile = true
	sh("metricsp/-o-yaml", "metricsp", "-o", "yaml").Volatile = true
	sh("metricsp/-o-bogus", "metricsp", "-o", "bogus")
	stream(sh("metricsp/-w", "metricsp", "-w"), 3*time.Second).Racy = true
	sh("metricdescs/plain", "metricdescs")
	sh("metricdescs/-o-json", "metricdescs", "-o", "json")
	sh("metricdescs/-o-yaml", "metricdescs", "-o", "yaml")
	sh("metricdescs/-o-table", "metricdescs", "-o", "table")

	// events.
	// Which events arrive in 2 s depends on the node's activity.
	stream(sh("events/plain", "events"), 2*time.Second).Racy = true
	stream(sh("events/event", "event"), 2*time.Second).Racy = true
	stream(sh("events/-o-yaml", "events", "-o", "yaml"), 2*time.Second).Racy = true
	stream(sh("events/-o-go-template", "events", "-o", "go-template", "--template", "{{.containerId}}"), 2*time.Second).Racy = true
	sh("events/-o-table", "events", "-o", "table")
	sh("events/-o-bogus", "events", "-o", "bogus")
	stream(sh("events/-o-json-template", "events", "-o", "json", "--template", "x"), 2*time.Second).Racy = true
	sh("events/bad-template", "events", "-o", "go-template", "--template", "{{.bad")
	sh("events/extra-arg", "events", "x")

	// completion.
	sh("completion/no-args", "completion")
	for _, s := range []string{"bash", "zsh", "fish"} {
		sh("completion/"+s, "completion", s)
	}
	sh("completion/bogus", "completion", "bogus")
	sh("completion/two", "completion", "bash", "zsh")

	// config on scratch files.
	cfg("config/no-args", "")
	cfg("config/no-args-existing", cfgFull)
	cfg("config/--list-missing", "", "config", "--list")
	cfg("config/--list", cfgFull, "config", "--list")
	cfg("config/--get-timeout-missing", "", "config", "--get", "timeout")
	cfg("config/--get-timeout", cfgFull, "config", "--get", "timeout")
	cfg("config/--get-debug", cfgFull, "config", "--get", "debug")
	cfg("config/--get-runtime-endpoint", cfgFull, "config", "--get", "runtime-endpoint")
	cfg("config/--get-image-endpoint", cfgFull, "config", "--get", "image-endpoint")
	cfg("config/--get-pull-image-on-create", cfgFull, "config", "--get", "pull-image-on-create")
	cfg("config/--get-disable-pull-on-run", cfgFull, "config", "--get", "disable-pull-on-run")
	cfg("config/--get-max-retries", cfgFull, "config", "--get", "max-retries")
	cfg("config/--get-foo", cfgFull, "config", "--get", "foo")
	cfg("config/--set-debug", cfgFull, "config", "--set", "debug=false")
	cfg("config/--set-missing-file", "", "config", "--set", "debug=true")
	cfg("config/--set-timeout", cfgFull, "config", "--set", "timeout=5")
	cfg("config/--set-timeout-negative", cfgFull, "config", "--set", "timeout=-1")
	cfg("config/--set-timeout-abc", cfgFull, "config", "--set", "timeout=abc")
	cfg("config/--set-debug-yes", cfgFull, "config", "--set", "debug=yes")
	cfg("config/--set-no-value", cfgFull, "config", "--set", "debug")
	cfg("config/--set-foo", cfgFull, "config", "--set", "foo=bar")
	cfg("config/--set-max-retries", cfgFull, "config", "--set", "max-retries=5")
	cfg("config/--set-endpoint", cfgFull, "config", "--set", "runtime-endpoint=unix:///run/z.sock")
	cfg("config/--set-two-in-one", cfgFull, "config", "--set", "debug=false,timeout=9")
	cfg("config/--set-twice", cfgFull, "config", "--set", "debug=false", "--set", "timeout=9")
	cfg("config/--set-commented", cfgCommented, "config", "--set", "debug=true")
	cfg("config/--set-duplicate", cfgDuplicate, "config", "--set", "debug=true")
	cfg("config/--get-duplicate", cfgDuplicate, "config", "--get", "debug")
	cfg("config/--list-duplicate", cfgDuplicate, "config", "--list")
	cfg("config/--get-and-list", cfgFull, "config", "--get", "debug", "--list")
	cfg("config/positional-set", cfgFull, "config", "debug", "false")
	cfg("config/positional-one", cfgFull, "config", "debug")
	cfg("config/--list-o-json", cfgFull, "config", "--list", "-o", "json")
	cfg("config/-c-list", "", "-c", "c.yaml", "config", "--list").Env = nil
	c[len(c)-1].Files = map[string]string{"c.yaml": cfgFull}
	for i := range c {
		if strings.HasPrefix(c[i].ID, "config/no-args") {
			c[i].Args = []string{"config"}
		}
	}

	// pull (changes the node's images).
	em("pull/no-args", "pull")
	em("pull/registry", "pull", "{REG}/"+regRepo+":"+regTag)
	em("pull/not-found-tag", "pull", "{REG}/"+regRepo+":nope")
	em("pull/not-found-repo", "pull", "{REG}/compat/nope:1")
	em("pull/bad-ref", "pull", "NotValid:ref")
	em("pull/refused", "pull", "127.0.0.1:1/compat/x:1")
	em("pull/two-args", "pull", "a", "b")
	em("pull/--pull-timeout-negative", "pull", "--pull-timeout", "-1s", "{REG}/"+regRepo+":"+regTag)
	em("pull/--pt", "pull", "--pt", "30s", "{REG}/"+regRepo+":"+regTag)
	em("pull/--creds-user-only", "pull", "--creds", "user", "{REG}/"+regRepo+":"+regTag)
	em("pull/--creds", "pull", "--creds", "user:pass", "{REG}/"+regRepo+":"+regTag)
	em("pull/--auth-not-base64", "pull", "--auth", "notbase64", "{REG}/"+regRepo+":"+regTag)
	em("pull/--auth", "pull", "--auth", "dXNlcjpwYXNz", "{REG}/"+regRepo+":"+regTag)
	em("pull/-u-no-tty", "pull", "-u", "user", "{REG}/"+regRepo+":"+regTag)
	em("pull/--annotation", "pull", "--annotation", "a=b", "{REG}/"+regRepo+":"+regTag)
	em("pull/-a-bad", "pull", "-a", "bad", "{REG}/"+regRepo+":"+regTag)
	files(em("pull/--pod-config", "pull", "--pod-config", "pod.json", "{REG}/"+regRepo+":"+regTag), "pod.json", podJSON)
	em("pull/present", "pull", "{BUSYBOX}")

	// rmi.
	sh("rmi/no-args", "rmi")
	sh("rmi/unknown", "rmi", "localhost/nope:1")
	nd("rmi/ref", "rmi", extraRef)
	nd("rmi/id", "rmi", "{IMG}")
	nd("rmi/two", "rmi", extraRef, "localhost/nope:1")
	nd("rmi/-a", "rmi", "-a")
	nd("rmi/--all", "rmi", "--all")
	nd("rmi/--prune", "rmi", "--prune")
	nd("rmi/-q", "rmi", "-q")
	nd("rmi/-aq", "rmi", "-aq")
	nd("rmi/-a-ref", "rmi", "-a", extraRef)

	// Lifecycle of one fresh pod per binary.
	sh("rm/no-args", "rm")
	sh("rm/unknown", "rm", "deadbeef")
	fr("rm/exited", "rm", "{X}")
	fr("rm/created", "rm", "{K}")
	fr("rm/running", "rm", "{R}")
	fr("rm/-f-running", "rm", "-f", "{R}")
	fr("rm/--force-running", "rm", "--force", "{R}")
	fr("rm/-k", "rm", "-k", "{X}")
	fr("rm/--keep-logs", "rm", "--keep-logs", "{X}")
	fr("rm/two", "rm", "{X}", "{K}")
	fr("rm/one-unknown", "rm", "{X}", "deadbeef")
	fr("rm/prefix", "rm", "{X13}")
	sh("rmp/no-args", "rmp")
	sh("rmp/unknown", "rmp", "deadbeef")
	fr("rmp/ready", "rmp", "{P}")
	fr("rmp/-f", "rmp", "-f", "{P}")
	fr("rmp/--force", "rmp", "--force", "{P}")
	sh("stop/no-args", "stop")
	sh("stop/unknown", "stop", "deadbeef")
	fr("stop/running", "stop", "{R}")
	fr("stop/-t-0", "stop", "-t", "0", "{R}")
	fr("stop/--timeout", "stop", "--timeout", "1", "{R}")
	fr("stop/exited", "stop", "{X}")
	fr("stop/two", "stop", "{R}", "{X}")
	fr("stop/-a-id", "stop", "-a", "{R}")
	sh("stopp/no-args", "stopp")
	sh("stopp/unknown", "stopp", "deadbeef")
	fr("stopp/ready", "stopp", "{P}")
	fr("stopp/prefix", "stopp", "{P13}")
	sh("start/no-args", "start")
	sh("start/unknown", "start", "deadbeef")
	fr("start/created", "start", "{K}")
	fr("start/running", "start", "{R}")
	fr("start/created-and-unknown", "start", "{K}", "deadbeef")
	sh("update/no-args", "update")
	sh("update/unknown", "update", "--memory", "67108864", "deadbeef")
	for _, f := range [][]string{
		{"--memory", "67108864"}, {"--memory", "0"}, {"--memory", "64Mi"}, {"--cpu-period", "100000", "--cpu-quota", "50000"},
		{"--cpu-quota", "0"}, {"--cpu-period", "100"}, {"--cpu-share", "512"}, {"--cpuset-cpus", "0"}, {"--cpuset-mems", "0"},
		{"--oom-score-adj", "10"}, {"--oom-score-adj", "abc"}, {"--cpu-count", "1"}, {"--cpu-maximum", "1"}, {},
	} {
		id := "update/" + idOf(f)
		if len(f) == 0 {
			id = "update/no-flags"
		}
		fr(id, append(append([]string{"update"}, f...), "{R}")...)
	}
	sh("checkpoint/no-args", "checkpoint")
	sh("checkpoint/unknown", "checkpoint", "-e", "x.tar", "deadbeef")
	fr("checkpoint/-e", "checkpoint", "-e", "x.tar", "{R}")
	fr("checkpoint/--export", "checkpoint", "--export", "x.tar", "{R}")
	fr("checkpoint/two", "checkpoint", "-e", "x.tar", "{R}", "{X}")

	// -a forms on a node with the fresh pod (P: R, X, K), then on an empty one.
	for _, a := range [][]string{
		{"stop", "-a"}, {"stop", "--all"}, {"rm", "-a"}, {"rm", "-af"}, {"rm", "-a", "-f"}, {"rm", "--all", "--force"},
		{"rm", "-a", "{X}"}, {"rmp", "-a"}, {"rmp", "-af"}, {"rmp", "-a", "-f"}, {"stopp", "-a"}, {"inspect", "-a"},
		{"inspectp"}, {"inspect"}, {"ps", "-a"}, {"ps"}, {"pods"}, {"stats", "-a"}, {"ps", "-a", "-o", "json"},
		{"pods", "-o", "yaml"}, {"images"},
		// Every document that lists or reports, with an exited (X) and a
		// created (K) container present: the documents count objects.
		// (stats and statsp documents run on the shared fixture, whose
		// containers both binaries have sampled before: on a fresh node the
		// second binary finds a CPU rate the first could not.)
		{"ps", "-o", "json"}, {"ps", "-a", "-o", "yaml"}, {"pods", "-o", "json"}, {"inspect", "-a", "-o", "yaml"},
		{"inspectp", "-o", "json"}, {"images", "-o", "json"},
	} {
		inv := nd("node/"+idOf(a), a...)
		inv.Volatile = a[0] == "stats"
		if !slices.Contains([]string{"stop", "rm", "rmp", "stopp"}, a[0]) {
			inv.Fix = fixNodeRead
		}
	}
	for _, a := range [][]string{
		{"stop", "-a"}, {"rm", "-a"}, {"rm", "-af"}, {"rmp", "-a"}, {"rmp", "-af"}, {"stopp", "-a"}, {"inspect", "-a"},
		{"inspect"}, {"inspectp"}, {"ps", "-a"}, {"ps", "-a", "-o", "json"}, {"ps", "-a", "-o", "yaml"}, {"pods"},
		{"pods", "-o", "json"}, {"stats", "-a"}, {"stats", "-o", "json"}, {"statsp"}, {"statsp", "-o", "json"},
		{"metricsp"}, {"exec", "-l", "echo", "hi"},
	} {
		add(fixEmptyRead, "empty/"+idOf(a), a...)
	}

	// runp, create, run (new objects from config files).
	sh("runp/no-args", "runp")
	files(fr("runp/json", "runp", "pod.json"), "pod.json", podJSON)
	files(fr("runp/yaml", "runp", "pod.yaml"), "pod.yaml", podYAML)
	files(fr("runp/-r-runc", "runp", "-r", "runc", "pod.json"), "pod.json", podJSON)
	files(fr("runp/--runtime-bogus", "runp", "--runtime", "bogus", "pod.json"), "pod.json", podJSON)
	files(fr("runp/-T", "runp", "-T", "30s", "pod.json"), "pod.json", podJSON)
	files(fr("runp/extra-field", "runp", "pod.json"), "pod.json", podExtraField)
	files(fr("runp/camel-case", "runp", "pod.json"), "pod.json", podCamel)
	files(fr("runp/no-metadata", "runp", "pod.json"), "pod.json", podNoMeta)
	files(fr("runp/bad-json", "runp", "pod.json"), "pod.json", podBadJSON)
	sh("runp/missing-file", "runp", "missing.json")
	sh("runp/two-args", "runp", "a.json", "b.json")
	sh("runp/js", "runp", "js")
	sh("runp/jsonschema", "runp", "jsonschema")
	sh("create/no-args", "create")
	sh("create/one-arg", "create", "{P}")
	files(fr("create/json", "create", "{P}", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/yaml", "create", "{P}", "c.yaml", "p.yaml"), "c.yaml", ctrYAML, "p.yaml", podYAML)
	files(fr("create/prefix", "create", "{P13}", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/by-name", "create", "fp", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/--no-pull", "create", "--no-pull", "{P}", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/--with-pull-and-no-pull", "create", "--with-pull", "--no-pull", "{P}", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/-T", "create", "-T", "30s", "{P}", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/unknown-pod", "create", "deadbeef", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("create/absent-image-no-pull", "create", "--no-pull", "{P}", "c.json", "p.json"), "c.json", ctrAbsent, "p.json", podJSON)
	sh("create/js-p", "create", "js", "-p")
	sh("create/js-c", "create", "js", "-c")
	sh("create/jsonschema", "create", "jsonschema")
	sh("run/no-args", "run")
	sh("run/one-arg", "run", "c.json")
	files(fr("run/json", "run", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("run/--no-pull", "run", "--no-pull", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("run/-r-runc", "run", "-r", "runc", "--no-pull", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podJSON)
	files(fr("run/extra-field", "run", "--no-pull", "c.json", "p.json"), "c.json", ctrJSON, "p.json", podExtraField)
	sh("run/js", "run", "js")
	sh("pull/js", "pull", "js")
	return c
}
