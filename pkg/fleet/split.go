package fleet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
)

// DefaultMaxReport bounds one report in the input. diagnose bounds every
// list, so a real report is well under 1 MiB; anything this large is not
// one, and is skipped (and said so) without being held in memory.
const DefaultMaxReport = 16 << 20

// doc is one JSON object cut out of an input, or the reason none could be.
type doc struct {
	seq    int    // input order
	source string // name:line of its first line
	line   int
	prefix string // kubectl --prefix tag ("pod/NAME/container"), if any
	data   []byte
	err    error
	// verdict: the line is diagnose's own stderr summary
	// ("ctr: diagnose: 1 error and 2 warnings found").
	verdict *verdict
}

// pending is an object being assembled for one prefix: lines of a
// pretty-printed report, interleaved by `kubectl logs --prefix` with other
// pods' lines, are reassembled per pod.
type pending struct {
	buf      []byte
	line     int
	depth    int
	inStr    bool
	esc      bool
	multi    bool // started as a line holding only "{" (indented JSON)
	size     int  // bytes seen, also when skipping
	skipping bool // over the size limit: scan on, keep nothing
}

// splitter turns a stream into docs. Formats: NDJSON, concatenated or
// indented JSON objects, and either of those behind kubectl's
// "[pod/NAME/container] " line prefix.
type splitter struct {
	name string
	max  int
	emit func(doc)
	seq  *int
	open map[string]*pending
	line int
}

func (s *splitter) errorf(line int, prefix, format string, args ...any) {
	*s.seq++
	s.emit(doc{seq: *s.seq, source: fmt.Sprintf("%s:%d", s.name, line), line: line, prefix: prefix, err: fmt.Errorf(format, args...)})
}

// run reads r to the end. Lines of any length are handled in chunks; only
// an object's own bytes (up to max) are kept.
func (s *splitter) run(r io.Reader) error {
	br := bufio.NewReaderSize(r, 256<<10)
	s.open = map[string]*pending{}
	lineStart := true
	var prefix string
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if lineStart {
				s.line++
				prefix, chunk = cutPrefix(chunk)
			}
			// A line of a prefix alone at the end of the input leaves
			// nothing after it.
			eol := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
			s.feed(prefix, chunk, lineStart)
			if eol {
				s.endLine(prefix)
			}
			lineStart = eol
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			left := slices.Collect(maps.Keys(s.open))
			slices.SortFunc(left, func(a, b string) int { return s.open[a].line - s.open[b].line })
			for _, k := range left {
				if p := s.open[k]; p.depth >= 0 {
					s.truncated(k, p, "the input ends inside it")
				}
			}
			return nil
		default:
			return err
		}
	}
}

// cutPrefix splits off kubectl logs --prefix's "[pod/NAME/container] ".
func cutPrefix(line []byte) (string, []byte) {
	if len(line) < 4 || line[0] != '[' {
		return "", line
	}
	end := bytes.Index(line, []byte("] "))
	if end < 0 {
		return "", line
	}
	tag := line[1:end]
	if !bytes.ContainsRune(tag, '/') || bytes.ContainsAny(tag, " \t\"{}") {
		return "", line
	}
	return string(tag), line[end+2:]
}

func (s *splitter) truncated(prefix string, p *pending, why string) {
	delete(s.open, prefix)
	s.errorf(p.line, prefix, "truncated report: %s", why)
}

// feed scans part of a line for the prefix's objects.
func (s *splitter) feed(prefix string, b []byte, lineStart bool) {
	p := s.open[prefix]
	for len(b) > 0 {
		if p == nil {
			i := 0
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i == len(b) {
				return
			}
			if b[i] != '{' {
				if v, ok := parseVerdict(b[i:]); ok && lineStart {
					*s.seq++
					s.emit(doc{seq: *s.seq, source: fmt.Sprintf("%s:%d", s.name, s.line), line: s.line, prefix: prefix, verdict: &v})
					s.skipLine(prefix)
					return
				}
				s.errorf(s.line, prefix, "not a report: text outside a JSON object")
				s.skipLine(prefix)
				return
			}
			rest := bytes.TrimRight(b[i:], " \t\r\n")
			p = &pending{line: s.line, multi: lineStart && len(rest) == 1, buf: getBuf()}
			s.open[prefix] = p
			b = b[i:]
		} else if lineStart && b[0] == '{' && p.multi {
			// Indented JSON nests with indentation; "{" in column 0 is
			// the next report, so this one was cut short.
			s.truncated(prefix, p, fmt.Sprintf("another report starts at line %d", s.line))
			p = nil
			continue
		}
		n, done := p.scan(b)
		p.size += n
		if !p.skipping {
			if p.size > s.max {
				p.skipping, p.buf = true, nil
			} else {
				p.buf = grow(p.buf, b[:n])
			}
		}
		b = b[n:]
		lineStart = false
		if !done {
			return
		}
		delete(s.open, prefix)
		*s.seq++
		d := doc{seq: *s.seq, source: fmt.Sprintf("%s:%d", s.name, p.line), line: p.line, prefix: prefix, data: p.buf}
		if p.skipping {
			d.data, d.err = nil, fmt.Errorf("report of %d bytes is over the limit of %d MiB: skipped", p.size, s.max>>20)
		}
		s.emit(d)
		p = nil
	}
}

// skipLine drops the rest of a line that is not a report.
func (s *splitter) skipLine(prefix string) {
	s.open[prefix] = &pending{line: s.line, skipping: true, depth: -1}
}

// endLine closes a line: a one-line object still open is cut short.
func (s *splitter) endLine(prefix string) {
	p := s.open[prefix]
	if p == nil {
		return
	}
	if p.depth < 0 { // a skipped line
		delete(s.open, prefix)
		return
	}
	if !p.multi {
		s.truncated(prefix, p, "the line ends inside it")
	}
}

// scan advances the object's state over b and returns how many bytes
// belong to it and whether it closed.
func (p *pending) scan(b []byte) (int, bool) {
	if p.depth < 0 {
		return len(b), false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case p.inStr:
			switch {
			case p.esc:
				p.esc = false
			case c == '\\':
				p.esc = true
			case c == '"':
				p.inStr = false
			default:
				// Skip the plain run of a long string (log lines) at once.
				j := bytes.IndexAny(b[i:], `"\\`)
				if j < 0 {
					return len(b), false
				}
				i += j - 1
			}
		case c == '"':
			p.inStr = true
		case c == '{' || c == '[':
			p.depth++
		case c == '}' || c == ']':
			p.depth--
			if p.depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

// bufs recycles report buffers: a report's bytes are held from the
// splitter to the decoder and then handed back, so that large reports do
// not each grow (and copy) a buffer of their own. A few are kept (not a
// sync.Pool, which every GC empties: the buffers would be grown again).
// A zero-value stack rather than a channel, which would need a package
// init that every ctr command pays.
var bufs struct {
	sync.Mutex
	free [][]byte
}

const keptBufs = 2

// grow appends b, doubling the buffer when it is full (append grows large
// slices by a quarter, which copies a 15 MB report a dozen times).
func grow(buf, b []byte) []byte {
	if len(buf)+len(b) > cap(buf) {
		nb := make([]byte, len(buf), max(2*cap(buf), len(buf)+len(b), 4<<10))
		copy(nb, buf)
		buf = nb
	}
	return append(buf, b...)
}

func getBuf() []byte {
	bufs.Lock()
	defer bufs.Unlock()
	n := len(bufs.free)
	if n == 0 {
		return nil
	}
	b := bufs.free[n-1]
	bufs.free[n-1] = nil
	bufs.free = bufs.free[:n-1]
	return b[:0]
}

func putBuf(b []byte) {
	if cap(b) == 0 {
		return
	}
	bufs.Lock()
	defer bufs.Unlock()
	if len(bufs.free) < keptBufs {
		bufs.free = append(bufs.free, b)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseVerdict recognises exactly the line diagnose writes on stderr after
// an unhealthy report: "ctr: diagnose: N error(s)[ and M warning(s)]
// found" (or "crictl: …"), the whole line.
func parseVerdict(line []byte) (verdict, bool) {
	var v verdict
	l, ok := bytes.CutSuffix(line, []byte("\n"))
	if !ok {
		return v, false
	}
	l = bytes.TrimSuffix(l, []byte("\r"))
	rest, ok := bytes.CutPrefix(l, []byte("ctr: diagnose: "))
	if !ok {
		if rest, ok = bytes.CutPrefix(l, []byte("crictl: diagnose: ")); !ok {
			return v, false
		}
	}
	rest, ok = bytes.CutSuffix(rest, []byte(" found"))
	if !ok {
		return v, false
	}
	count := func(s []byte, one, many string) (int, bool) {
		n, word, ok := bytes.Cut(s, []byte(" "))
		if !ok || len(n) == 0 || len(n) > 6 || n[0] == '0' && len(n) > 1 {
			return 0, false
		}
		x := 0
		for _, c := range n {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int(c-'0')
		}
		if x == 1 && string(word) != one || x != 1 && string(word) != many {
			return 0, false
		}
		return x, true
	}
	errs, warns, _ := bytes.Cut(rest, []byte(" and "))
	if v.errors, ok = count(errs, "error", "errors"); !ok || v.errors == 0 {
		return v, false
	}
	if warns != nil {
		if v.warnings, ok = count(warns, "warning", "warnings"); !ok || v.warnings == 0 {
			return v, false
		}
	}
	return v, true
}
