package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

var (
	baseBin = flag.String("base", "", "the baseline build (make bench-base: the last release tag's ctr) for the regression guard; none when empty")
	strict  = flag.Bool("strict", false, "exit non-zero when a figure is more than 5% worse than the baseline's (make bench BENCH_STRICT=1)")
)

// moved is how far a figure may move from the baseline's before the guard
// names it.
const moved = 0.05

// figure is one measurement taken of the current binary and of the
// baseline in the same interleaved runs. Lower is better for all of them.
type figure struct {
	name       string
	unit       string
	ours, base float64
}

var figures []figure

// baseLabel names the baseline as given, before stage copies it.
var baseLabel string

func haveBase() bool {
	if *baseBin == "" {
		return false
	}
	_, err := os.Stat(*baseBin)
	return err == nil
}

// record adds a figure to the regression guard.
func record(name, unit string, ours, base float64) {
	figures = append(figures, figure{name, unit, ours, base})
}

// guardReport prints every figure against the baseline and says which moved
// by more than 5%; it returns how many got worse by more than that.
func guardReport() (worse int) {
	if !haveBase() {
		fmt.Println("\nregression guard: no baseline binary (make bench-base, or -base PATH)")
		return 0
	}
	fmt.Printf("\nregression guard (baseline %s, paired in the same runs; > %.0f%% named):\n", baseLabel, moved*100)
	for _, f := range figures {
		r := f.ours / f.base
		mark := ""
		switch {
		case f.base == 0:
			r = math.NaN()
			mark = "  (no baseline figure)"
		case r > 1+moved:
			mark, worse = fmt.Sprintf("  WORSE by %.0f%%", (r-1)*100), worse+1
		case r < 1-moved:
			mark = fmt.Sprintf("  better by %.0f%%", (1-r)*100)
		}
		fmt.Printf("  %-44s ours %10s  base %10s  %.2fx%s\n", f.name, fmtUnit(f.ours, f.unit), fmtUnit(f.base, f.unit), r, mark)
	}
	return worse
}

func fmtUnit(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.1f ms", v)
	case "MiB":
		return fmt.Sprintf("%.1f MiB", v)
	case "Minstr":
		return fmt.Sprintf("%.2f M", v)
	case "MB":
		return fmt.Sprintf("%.1f MB", v)
	case "KB":
		return fmt.Sprintf("%.0f KB", v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// instructions counts the instructions bin executes for args under
// callgrind: unlike wall time it does not depend on what else the machine
// runs, so it shows a start-up change of 1% that the timings cannot.
// Asynchronous preemption is off because callgrind cannot follow its
// signals. ok is false when valgrind is not installed.
func instructions(bin string, args ...string) (n float64, ok bool, err error) {
	vg, err := exec.LookPath("valgrind")
	if err != nil {
		return 0, false, nil
	}
	cmd := exec.Command(vg, append([]string{"--tool=callgrind", "--callgrind-out-file=/dev/null", bin}, args...)...)
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return 0, true, fmt.Errorf("valgrind %s: %v: %s", bin, err, lastLine(errb.String()))
	}
	// ==PID== Collected : N
	_, after, found := strings.Cut(errb.String(), "Collected : ")
	v, err := strconv.ParseFloat(strings.TrimSpace(firstLine(after)), 64)
	if !found || err != nil {
		return 0, true, fmt.Errorf("valgrind %s: no instruction count", bin)
	}
	return v, true, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// initTrace is what GODEBUG=inittrace=1 reports for one run: the number
// of package inits, their clock time summed, and the bytes they allocate
// (deterministic, unlike the clock).
type initTrace struct {
	inits int
	ms    float64
	bytes float64
}

func readInitTrace(bin string) (initTrace, error) {
	s, err := run([]string{"GODEBUG=inittrace=1"}, bin, "--version")
	if err != nil {
		return initTrace{}, err
	}
	var t initTrace
	sc := bufio.NewScanner(bytes.NewReader(s.stderr))
	for sc.Scan() {
		// init <pkg> @<t> ms, <clock> ms clock, <bytes> bytes, <allocs> allocs
		f := strings.Fields(sc.Text())
		if len(f) < 9 || f[0] != "init" || f[5] != "ms" || f[8] != "bytes," {
			continue
		}
		t.inits++
		if v, err := strconv.ParseFloat(f[4], 64); err == nil {
			t.ms += v
		}
		if v, err := strconv.ParseFloat(f[7], 64); err == nil {
			t.bytes += v
		}
	}
	return t, nil
}
