package printer

import (
	"bufio"
	"encoding/json"
	"io"
)

// NDJSON prints a document as one compact JSON line: what a DaemonSet's
// log and `kubectl logs --prefix` keep together.
const NDJSON = "ndjson"

type lineJSON struct{}

// Print writes Doc through encoding/json, whose output has no newline
// inside (strings escape theirs) and is deterministic.
func (lineJSON) Print(w io.Writer, r *Resource) error {
	nonNullLists(r.Doc)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Doc); err != nil {
		return err
	}
	return bw.Flush()
}
