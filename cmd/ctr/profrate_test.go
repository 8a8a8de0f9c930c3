package main

import (
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// initTrace is GODEBUG=inittrace=1 of this test binary, which links what
// ctr links, in init order: package path and bytes allocated. (Not a
// sync.OnceValues package variable: that would be an init of cmd/ctr.)
func initTrace() ([][2]string, error) {
	traceOnce.Do(func() { traced, traceErr = runInitTrace() })
	return traced, traceErr
}

var (
	traceOnce sync.Once
	traced    [][2]string
	traceErr  error
)

func runInitTrace() ([][2]string, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, err
	}
	line := regexp.MustCompile(`^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes`)
	var inits [][2]string
	for _, l := range strings.Split(string(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			inits = append(inits, [2]string{m[1], m[2]})
		}
	}
	return inits, nil
}

const module = "github.com/ctrcri/ctrcri/"

// Heap-profile sampling must be off before the package inits that
// allocate run, or their samples walk the pclntab (0.4 MiB of peak RSS
// for ctr --version). The trace must show profrate before 128 KiB have
// been allocated (the inits it must precede allocate about 1 MB; 54 KiB
// come before it today).
func TestProfRateRunsBeforeTheAllocatingInits(t *testing.T) {
	if runtime.MemProfileRate != 0 {
		t.Errorf("MemProfileRate = %d with no --profile-mem on the command line, want 0", runtime.MemProfileRate)
	}
	inits, err := initTrace()
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, in := range inits {
		if in[0] == module+"cmd/ctr/internal/profrate" {
			if before > 128<<10 {
				t.Errorf("%d bytes allocated by package inits before profrate's", before)
			}
			return
		}
		n, _ := strconv.Atoi(in[1])
		before += n
	}
	t.Fatalf("profrate's init is not in the init trace (%d inits)", len(inits))
}

// Every package init in the binary runs on every ctr command, --version
// too, and maps in the pages of code and data around it: each one of ours
// cost about 64 KiB of peak RSS. So this module's packages initialise
// nothing at package level (a map literal, a regexp, a sync.OnceValue);
// they build such things on first use. profrate is the one exception.
func TestNoPackageInitInThisModule(t *testing.T) {
	inits, err := initTrace()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inits {
		p, ok := strings.CutPrefix(in[0], module)
		if !ok || p == "cmd/ctr/internal/profrate" || strings.HasPrefix(p, "test/") || strings.HasSuffix(p, "test") {
			continue
		}
		t.Errorf("%s has a package init (%s bytes): build its package-level values on first use", p, in[1])
	}
}
