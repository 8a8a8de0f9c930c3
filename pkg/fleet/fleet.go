// Package fleet merges many ctrcri.diagnose/v1 node reports into one fleet
// view (schema ctrcri.fleet/v1, docs/fleet.md): nodes by health, problems
// grouped by check and message pattern, version skew, and the reports that
// are missing, stale, of an unknown schema or unreadable. Input is read as
// a stream; only a small summary of each node is kept.
package fleet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
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

// report is the part of a diagnose report a merge reads; the rest is
// skipped by the decoder.
type report struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Time       time.Time          `json:"time"`
	DurationMs int64              `json:"durationMs"`
	Node       diagnose.Node      `json:"node"`
	Endpoint   string             `json:"endpoint"`
	Healthy    *bool              `json:"healthy"`
	Problems   []diagnose.Problem `json:"problems"`
	Versions   diagnose.Versions  `json:"versions"`
	Truncated  []string           `json:"truncated"`
}

// node is what is kept of one report.
type node struct {
	seq      int
	source   string
	name     string
	nameFrom string
	time     time.Time
	healthy  bool
	errors   int
	warnings int
	problems []diagnose.Problem
	versions diagnose.Versions
	kernel   string
	os       string
	reports  int      // how many reports named this node
	dropped  []string // sources of the older ones (a few)
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
}

// New returns an empty Merger.
func New(o Options) *Merger {
	if o.Examples <= 0 {
		o.Examples = DefaultExamples
	}
	if o.MaxReport <= 0 {
		o.MaxReport = DefaultMaxReport
	}
	return &Merger{opts: o, nodes: map[string]*node{}}
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

// Read merges the reports of one input; name is how errors cite it. Only
// a read error of r itself is returned (and recorded); bad reports are
// recorded in the view and the rest of the input is still read.
func (m *Merger) Read(name string, r io.Reader) error {
	m.inputs = append(m.inputs, name)
	docs := make(chan doc, 64)
	type result struct {
		d   doc
		rep *report
	}
	results := make(chan result, 64)
	var wg sync.WaitGroup
	// Decoding is most of the cost; splitting is a byte loop. Results come
	// back out of order and are put back in order by seq below.
	for range max(runtime.GOMAXPROCS(0), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range docs {
				var rep *report
				if d.err == nil {
					rep, d.err = decode(d)
				}
				d.data = nil
				results <- result{d, rep}
			}
		}()
	}
	var readErr error
	next := m.seq + 1
	go func() {
		sp := &splitter{name: name, max: m.opts.MaxReport, seq: &m.seq, emit: func(d doc) { docs <- d }}
		readErr = sp.run(r)
		close(docs)
		wg.Wait()
		close(results)
	}()
	// Apply in input order so that "the newest report wins, ties to the
	// later one" and the error list do not depend on scheduling.
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
			m.apply(r.d, r.rep)
		}
	}
	// seq numbers are dense, so nothing is left in held.
	if readErr != nil {
		m.Errorf(name, "read: %v", readErr)
	}
	return readErr
}

// decode reads one document; a syntax error names the line it is on.
func decode(d doc) (*report, error) {
	var rep report
	if err := json.Unmarshal(d.data, &rep); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, &lineError{line: d.line + bytes.Count(d.data[:min(int(se.Offset), len(d.data))], []byte{'\n'}), err: fmt.Errorf("invalid JSON: %v", se)}
		case errors.As(err, &te):
			return nil, &lineError{line: d.line + bytes.Count(d.data[:min(int(te.Offset), len(d.data))], []byte{'\n'}), err: fmt.Errorf("not a diagnose report: field %s: %v", te.Field, err)}
		}
		return nil, fmt.Errorf("invalid report: %v", err)
	}
	return &rep, nil
}

// lineError is an error inside a multi-line report, cited by its own line.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }

func (m *Merger) apply(d doc, rep *report) {
	if d.err != nil {
		src := d.source
		var le *lineError
		if errors.As(d.err, &le) {
			src = d.source[:strings.LastIndexByte(d.source, ':')+1] + fmt.Sprint(le.line)
		}
		m.addErr(InputError{Source: src, Pod: podOf(d.prefix), Message: d.err.Error()})
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
		m.addErr(InputError{Source: d.source, Pod: podOf(d.prefix), Message: fmt.Sprintf("not a diagnose report (apiVersion %q, kind %q)", rep.APIVersion, rep.Kind)})
		m.reports--
		return
	case rep.APIVersion != diagnose.APIVersion:
		m.unknown = append(m.unknown, UnknownReport{Source: d.source, APIVersion: rep.APIVersion, Node: rep.Node.Name})
		return
	case rep.Healthy == nil || rep.Time.IsZero():
		m.addErr(InputError{Source: d.source, Pod: podOf(d.prefix), Message: "invalid report: no healthy or time field"})
		m.reports--
		return
	}
	n := &node{seq: d.seq, source: d.source, name: name, nameFrom: from, time: rep.Time, healthy: *rep.Healthy,
		problems: rep.Problems, versions: rep.Versions, kernel: rep.Node.Kernel, os: rep.Node.OS, reports: 1}
	for _, p := range rep.Problems {
		if p.Severity == diagnose.SeverityError {
			n.errors++
		} else {
			n.warnings++
		}
	}
	old := m.nodes[name]
	if old == nil {
		m.nodes[name] = n
		return
	}
	keep, drop := old, n
	if !n.time.Before(old.time) { // newer, or as new and read later
		keep, drop = n, old
	}
	keep.reports = old.reports + 1
	keep.dropped = append(old.dropped, drop.source)
	if len(keep.dropped) > DefaultExamples {
		keep.dropped = keep.dropped[len(keep.dropped)-DefaultExamples:]
	}
	m.nodes[name] = keep
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
