// Command bench measures what DEVELOPERS.md sets targets for: binary size,
// package-init time and start-up against upstream ctr built from the same
// go.mod, ps/pods/images on the dev node with 1 and 50 pods, ps -a over
// 10,000 containers on the fake server, ID completion latency, and
// diagnose merge of 10,000 node reports. Timings
// are medians of paired, repeated runs; RSS is the child's peak (rusage).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	runs      = flag.Int("runs", 15, "repetitions per measurement")
	ours      = flag.String("ctr", "bin/ctr", "our binary")
	upstream  = flag.String("upstream", "_build/bin/ctr-upstream", "upstream ctr built from the same go.mod")
	noDevnode = flag.Bool("no-devnode", false, "skip the dev node measurements")
	serveFake = flag.Bool("serve-fake", false, "internal: serve the 10k-container fake CRI and print its endpoint")
	only      = flag.String("only", "", "comma-separated sections to run (start, fake, fleet, devnode); all when empty")
)

// section reports whether -only selects name.
func section(name string) bool {
	return *only == "" || slices.Contains(strings.Split(*only, ","), name)
}

const timeBin, rssMark = "/usr/bin/time", "ctrcri-bench-maxrss-kib="

// sample is one child run.
type sample struct {
	wall   time.Duration
	rssKiB int64
	stdout []byte
	stderr []byte
}

// run starts bin under GNU time: Go's os/exec forks with CLONE_VM, and
// Linux then charges the parent's peak RSS to the child's ru_maxrss, so the
// child's own peak is read from a small C parent instead. Wall time is
// measured here, around the whole run.
func run(env []string, bin string, args ...string) (sample, error) {
	cmd := exec.Command(timeBin, append([]string{"-f", "\n" + rssMark + "%M", bin}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start), stdout: out.Bytes()}
	stderr := errb.Bytes()
	if i := bytes.LastIndex(stderr, []byte(rssMark)); i >= 0 {
		s.rssKiB, _ = strconv.ParseInt(strings.TrimSpace(string(stderr[i+len(rssMark):])), 10, 64)
		stderr = bytes.TrimSuffix(stderr[:i], []byte("\n"))
	}
	s.stderr = stderr
	if err != nil {
		return s, fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, firstLine(errb.String()))
	}
	return s, nil
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// stats summarises repeated runs of one command.
type stats struct {
	wall time.Duration
	rss  int64
	out  sample
}

func repeat(n int, env []string, bin string, args ...string) (stats, error) {
	var walls []time.Duration
	var rss []int64
	var last sample
	for range n {
		s, err := run(env, bin, args...)
		if err != nil {
			return stats{}, err
		}
		walls, rss, last = append(walls, s.wall), append(rss, s.rssKiB), s
	}
	return stats{wall: median(walls), rss: slices.Max(rss), out: last}, nil
}

// paired alternates a and b so that machine noise hits both alike, and
// returns their medians and the median of the per-pair difference.
func paired(n int, env []string, a, b []string) (ma, mb, diff time.Duration, err error) {
	var wa, wb, d []time.Duration
	for range n {
		sa, err := run(env, a[0], a[1:]...)
		if err != nil {
			return 0, 0, 0, err
		}
		sb, err := run(env, b[0], b[1:]...)
		if err != nil {
			return 0, 0, 0, err
		}
		wa, wb, d = append(wa, sa.wall), append(wb, sb.wall), append(d, sa.wall-sb.wall)
	}
	return median(wa), median(wb), median(d), nil
}

// initMillis sums the clock column of GODEBUG=inittrace=1 lines.
func initMillis(bin string) (float64, error) {
	s, err := run([]string{"GODEBUG=inittrace=1"}, bin, "--version")
	if err != nil {
		return 0, err
	}
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(s.stderr))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// init <pkg> @<t> ms, <clock> ms clock, …
		if len(f) >= 6 && f[0] == "init" && f[5] == "ms" {
			v, err := strconv.ParseFloat(f[4], 64)
			if err == nil {
				sum += v
			}
		}
	}
	return sum, nil
}

// pairedInit alternates the two binaries and returns the median init sum of
// each and the median per-pair difference.
func pairedInit(a, b string, n int) (ma, mb, diff float64, err error) {
	var xa, xb, d []float64
	for range n {
		va, err := initMillis(a)
		if err != nil {
			return 0, 0, 0, err
		}
		vb, err := initMillis(b)
		if err != nil {
			return 0, 0, 0, err
		}
		xa, xb, d = append(xa, va), append(xb, vb), append(d, va-vb)
	}
	return median(xa), median(xb), median(d), nil
}

// verdicts collects target checks for the summary.
var verdicts []string

func check(ok bool, format string, args ...any) {
	mark := "PASS"
	if !ok {
		mark = "MISS"
	}
	verdicts = append(verdicts, fmt.Sprintf("%s  %s", mark, fmt.Sprintf(format, args...)))
}

func fileMB(path string) float64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / 1e6
}

func main() {
	flag.Parse()
	if *serveFake {
		fatal(serveFakeNode())
		return
	}
	if _, err := os.Stat(timeBin); err != nil {
		fatal(fmt.Errorf("%s missing: apt-get install time (make bench-deps)", timeBin))
	}
	for _, b := range []string{*ours, *upstream} {
		if _, err := os.Stat(b); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s missing: run make build bench-deps first\n", b)
			os.Exit(1)
		}
	}
	ctx := context.Background()
	fmt.Printf("ctr cri benchmarks (medians of %d paired runs; RSS = peak of any run)\n\n", *runs)

	if section("start") {
		// Size.
		sz, usz := fileMB(*ours), fileMB(*upstream)
		fmt.Printf("binary size: ours %.1f MB, upstream ctr %.1f MB (+%.1f MB)\n", sz, usz, sz-usz)
		check(sz <= 45, "binary %.1f MB <= 45 MB", sz)

		// Init and start-up.
		oi, ui, di, err := pairedInit(*ours, *upstream, max(5, *runs))
		fatal(err)
		fmt.Printf("package init (sum of inittrace lines): ours %.2f ms, upstream %.2f ms, added %.2f ms (median of paired diffs)\n", oi, ui, di)
		check(di <= 5, "init added %.2f ms <= 5 ms", di)
		vo, vu, vd, err := paired(*runs, nil, []string{*ours, "--version"}, []string{*upstream, "--version"})
		fatal(err)
		fmt.Printf("--version wall: ours %s, upstream %s (paired diff %s)\n\n", ms(vo), ms(vu), ms(vd))
	}
	if section("fake") {
		fatal(benchFake())
	}
	if section("fleet") {
		fatal(benchFleet())
	}
	if !*noDevnode && section("devnode") {
		fatal(benchDevnode(ctx))
	}
	fmt.Println("\ntargets:")
	for _, v := range verdicts {
		fmt.Println("  " + v)
	}
}

func fatal(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// rpcs counts the RPC trace lines --debug printed.
func rpcs(stderr []byte) int { return bytes.Count(stderr, []byte("DEBUG: /")) }
