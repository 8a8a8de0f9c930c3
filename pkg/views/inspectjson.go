package views

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/ctrcri/ctrcri/pkg/printer"
)

// Encode works out the item's document now. A command fanning out status
// calls encodes each result as it arrives, beside the calls still waiting,
// rather than all of them after the last: decoding the verbose info and
// sorting keys was most of inspectp's own time at 50 pods. Call it after
// the item's last change (WithContainerd). The bytes printed are the same:
// encoding/json writes a RawMessage as it is (already compact and escaped).
func (i *Inspected) Encode() error {
	// The document is written here as json.Marshal would write it (keys
	// sorted): marshalling the map checked and compacted the ~15 KB of
	// canonical info bytes again (50 pods: 4.8 ms of inspectp's CPU).
	d := i.docWith(encodeInfo(i.Info))
	b := make([]byte, 0, 2048+8*len(i.Info))
	b = append(b, '{')
	for n, k := range slices.Sorted(maps.Keys(d)) {
		if n > 0 {
			b = append(b, ',')
		}
		b = printer.AppendJSONString(b, []byte(k))
		b = append(b, ':')
		var raw []byte
		var err error
		switch v := d[k].(type) {
		case json.RawMessage:
			raw = v // CanonicalJSON: compact and escaped as Marshal writes
		case statusDoc:
			raw, err = v.MarshalJSON() // json.Marshal's bytes already
		default:
			raw, err = json.Marshal(v)
		}
		if err != nil {
			return err
		}
		b = append(b, raw...)
	}
	i.encoded = append(b, '}')
	return nil
}

// document is the item's document: encoded already, or to be encoded.
func (i *Inspected) document() any {
	if i.encoded != nil {
		return json.RawMessage(i.encoded)
	}
	return i.doc()
}
