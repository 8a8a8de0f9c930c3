// Package fleet merges many ctrcri.diagnose/v1 node reports into one fleet
// view (schema ctrcri.fleet/v1, docs/fleet.md): nodes by health, problems
// grouped by check and message pattern, version skew, and the reports that
// are missing, stale, of an unknown schema or unreadable. Input is read as
// a stream; only a small summary of each node is kept.
package fleet

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ctrcri/ctrcri/pkg/diagnose"
)

// APIVersion names the schema of View. Fields may be added within a
// version; renaming or removing one bumps it.
const APIVersion = "ctrcri.fleet/v1"

const diagnoseGroup = "ctrcri.diagnose/"

// Options shape a merge.
type Options struct {
	// Now is what report ages are measured against.
	Now time.Time
	// MaxAge makes older reports stale; 0 never does.
	MaxAge time.Duration
	// Expected names the nodes that should have reported (kubectl get
	// nodes); those without a report are listed as missing.
	Expected []string
	// Examples is how many example nodes a problem group or a version
	// lists (DefaultExamples when 0).
	Examples int
	// MaxReport bounds one report in bytes (DefaultMaxReport when 0).
	MaxReport int
}

// DefaultExamples is the number of example nodes per group.
const DefaultExamples = 3

// MaxSkew is how far in the future a report's time may be (clocks
// differ); a later one is an error for that report, not merged: a node
// whose clock ran ahead, or a forged report, would otherwise win every
// comparison by time.
const MaxSkew = 5 * time.Minute

// maxSources bounds the sources kept per node (a conflict lists them);
// more are counted, and an unhealthy one still makes the node unhealthy.
const maxSources = 8

// claim is the newest report of one source (a --prefix pod, else an
// input) about one node, in short, and how many older ones it superseded.
type claim struct {
	source   string // pod/NAME, or the input's name
	at       string // FILE:LINE of the report
	seq      int
	nameFrom string
	time     time.Time
	errors   int
	warnings int
	problems []diagnose.Problem // at most MaxNodeProblems
	versions diagnose.Versions
	kernel   string
	reports  int      // reports of this source about this node
	dropped  []string // FILE:LINE of the superseded ones (the last few)
	// droppedUnhealthy counts superseded reports that were unhealthy: the
	// node recovered if the newest is healthy.
	droppedUnhealthy int
}

func (c *claim) healthy() bool { return c.errors == 0 }

// node is what is kept of one node: one claim per source.
type node struct {
	name   string
	claims []*claim
	// more sources than maxSources: counted, and whether one was unhealthy
	extra          int
	extraUnhealthy bool
}

// kept is the claim the view shows: the worst (most errors), then the
// newest.
func (n *node) kept() *claim {
	best := n.claims[0]
	for _, c := range n.claims[1:] {
		if c.errors > best.errors || c.errors == best.errors && !c.time.Before(best.time) {
			best = c
		}
	}
	return best
}

func (n *node) healthy() bool {
	if n.extraUnhealthy {
		return false
	}
	for _, c := range n.claims {
		if !c.healthy() {
			return false
		}
	}
	return true
}

// Merger collects reports; Read may be called once per input, then View.
type Merger struct {
	opts    Options
	seq     int
	nodes   map[string]*node
	unknown []UnknownReport
	errs    []InputError
	nerrs   int
	reports int
	inputs  []string
	// last is each source's latest document that was a report, for
	// diagnose's verdict line that may follow it on stderr.
	last map[string]verdict
	// early is a verdict line read before its source's report: the two
	// streams of a pod reach its log through separate pipes, so kubectl
	// logs may show the stderr line first. At most one per source.
	early map[string]earlyVerdict
}

// earlyVerdict is a verdict line waiting for the report it describes.
type earlyVerdict struct {
	v   verdict
	err InputError
}

// verdict is what diagnose's stderr line says of a report.
type verdict struct{ errors, warnings int }

// New returns an empty Merger.
func New(o Options) *Merger {
	if o.Examples <= 0 {
		o.Examples = DefaultExamples
	}
	if o.MaxReport <= 0 {
		o.MaxReport = DefaultMaxReport
	}
	return &Merger{opts: o, nodes: map[string]*node{}, last: map[string]verdict{}, early: map[string]earlyVerdict{}}
}

// maxErrors bounds the input errors kept in the view; all are counted.
const maxErrors = 1000

// Errorf records an input that could not be read at all (a file that does
// not open): the merge goes on with the others.
func (m *Merger) Errorf(source, format string, args ...any) {
	m.addErr(InputError{Source: source, Message: fmt.Sprintf(format, args...)})
}

func (m *Merger) addErr(e InputError) {
	m.nerrs++
	if len(m.errs) < maxErrors {
		m.errs = append(m.errs, e)
	}
}

// inFlight bounds the bytes of reports cut out but not yet decoded, so
// that memory does not grow with the input: one report of the maximum
// size waits while the next is cut out.
const inFlight = 16 << 20

// budget is a byte semaphore.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int
}

func (b *budget) acquire(n int) {
	b.mu.Lock()
	for b.used > 0 && b.used+n > inFlight {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
}

func (b *budget) release(n int) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// Read merges the reports of one input; name is how errors cite it. Only
// a read error of r itself is returned (and recorded); bad reports are
// recorded in the view and the rest of the input is still read.
func (m *Merger) Read(name string, r io.Reader) error {
	m.inputs = append(m.inputs, name)
	workers := max(runtime.GOMAXPROCS(0), 1)
	docs := make(chan doc, 2*workers)
	type result struct {
		d   doc
		rep *report
	}
	results := make(chan result, 64)
	bud := &budget{}
	bud.cond = sync.NewCond(&bud.mu)
	var wg sync.WaitGroup
	// Decoding is most of the cost; splitting is a byte loop. Results come
	// back out of order and are put back in order by seq below.
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range docs {
				var rep *report
				if d.err == nil && d.data != nil {
					rep, d.err = decode(d)
				}
				bud.release(len(d.data))
				putBuf(d.data)
				d.data = nil
				results <- result{d, rep}
			}
		}()
	}
	var readErr error
	next := m.seq + 1
	go func() {
		sp := &splitter{name: name, max: m.opts.MaxReport, seq: &m.seq, emit: func(d doc) {
			bud.acquire(len(d.data))
			docs <- d
		}}
		readErr = sp.run(r)
		close(docs)
		wg.Wait()
		close(results)
	}()
	// Apply in input order so that superseding and the error list do not
	// depend on scheduling.
	held := map[int]result{}
	for res := range results {
		held[res.d.seq] = res
		for {
			r, ok := held[next]
			if !ok {
				break
			}
			delete(held, next)
			next++
			m.apply(name, r.d, r.rep)
		}
	}
	// seq numbers are dense, so nothing is left in held.
	if readErr != nil {
		m.Errorf(name, "read: %v", readErr)
	}
	return readErr
}

// lineError is an error inside a multi-line report, cited by its own line.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }

func (m *Merger) apply(input string, d doc, rep *report) {
	// A source is the pod of kubectl's prefix, else the input: one
	// DaemonSet pod's reports supersede each other; another pod's report
	// about the same node is a conflict.
	source := podOf(d.prefix)
	if source == "" {
		source = input
	}
	pod := podOf(d.prefix)
	fail := func(src string, err error) {
		m.addErr(InputError{Source: src, Pod: pod, Message: err.Error()})
	}
	last, hadLast := m.last[source]
	delete(m.last, source)
	if d.verdict != nil {
		// diagnose's own stderr line after its report (a Job's pod log
		// holds both): not input to merge when it says what the report
		// said.
		if hadLast && last == *d.verdict {
			return
		}
		notReport := InputError{Source: d.source, Pod: pod, Message: "not a report: text outside a JSON object"}
		if prev, ok := m.early[source]; ok {
			m.addErr(prev.err)
		}
		m.early[source] = earlyVerdict{*d.verdict, notReport}
		return
	}
	early, hadEarly := m.early[source]
	delete(m.early, source)
	if hadEarly && (rep == nil || d.err != nil || early.v != (verdict{rep.Errors, rep.Warnings})) {
		m.addErr(early.err)
	}
	if d.err != nil {
		src := d.source
		var le *lineError
		if errors.As(d.err, &le) {
			src = fmt.Sprintf("%s:%d", d.source[:strings.LastIndexByte(d.source, ':')], le.line)
		}
		fail(src, d.err)
		return
	}
	m.reports++
	name, from := rep.Node.Name, rep.Node.NameFrom
	if name == "" {
		// A report made before node names, or by hand: the pod it came
		// from, else where it was read.
		name, from = podOf(d.prefix), "input"
		if name == "" {
			name = d.source
		}
	}
	switch {
	case !strings.HasPrefix(rep.APIVersion, diagnoseGroup) || rep.Kind != "NodeDiagnosis":
		fail(d.source, fmt.Errorf("not a diagnose report (apiVersion %q, kind %q)", rep.APIVersion, rep.Kind))
		m.reports--
		return
	case rep.APIVersion != diagnose.APIVersion:
		m.unknown = append(m.unknown, UnknownReport{Source: d.source, APIVersion: rep.APIVersion, Node: rep.Node.Name})
		return
	case rep.Healthy == nil || rep.Time.IsZero():
		fail(d.source, errors.New("invalid report: no healthy or time field"))
		m.reports--
		return
	case rep.Time.After(m.opts.Now.Add(MaxSkew)):
		fail(d.source, fmt.Errorf("report dated %s, more than %s after now: not merged", rep.Time.UTC().Format(time.RFC3339), MaxSkew))
		m.reports--
		return
	}
	m.last[source] = verdict{rep.Errors, rep.Warnings}
	if *rep.Healthy != (rep.Errors == 0) {
		// Judged by its problems; flagged, for a report that lies about
		// itself is not one to trust.
		fail(d.source, fmt.Errorf("the report says healthy: %v but lists %s: judged by its problems", *rep.Healthy, plural(rep.Errors, "error", "errors")))
	}
	c := &claim{source: source, at: d.source, seq: d.seq, nameFrom: from, time: rep.Time, errors: rep.Errors, warnings: rep.Warnings,
		problems: rep.Problems, versions: rep.Versions, kernel: rep.Node.Kernel, reports: 1}
	n := m.nodes[name]
	if n == nil {
		m.nodes[name] = &node{name: name, claims: []*claim{c}}
		return
	}
	i := slices.IndexFunc(n.claims, func(o *claim) bool { return o.source == source })
	if i < 0 {
		if len(n.claims) < maxSources {
			n.claims = append(n.claims, c)
		} else {
			n.extra++
			n.extraUnhealthy = n.extraUnhealthy || !c.healthy()
		}
		return
	}
	old := n.claims[i]
	keep, drop := old, c
	if !c.time.Before(old.time) { // newer, or as new and read later
		keep, drop = c, old
	}
	keep.reports = old.reports + 1
	keep.droppedUnhealthy = old.droppedUnhealthy
	if !drop.healthy() {
		keep.droppedUnhealthy++
	}
	keep.dropped = append(old.dropped, drop.at)
	if len(keep.dropped) > DefaultExamples {
		keep.dropped = keep.dropped[len(keep.dropped)-DefaultExamples:]
	}
	n.claims[i] = keep
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// podOf turns kubectl's "pod/NAME/container" prefix into "pod/NAME".
func podOf(prefix string) string {
	if prefix == "" {
		return ""
	}
	parts := strings.SplitN(prefix, "/", 3)
	if len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return prefix
}
