package printer

import "encoding/json"

// Encode works out the item's document now. A command fanning out status
// calls encodes each result as it arrives, beside the calls still waiting,
// rather than all of them after the last: decoding the verbose info and
// sorting keys was most of inspectp's own time at 50 pods. Call it after
// the item's last change (WithContainerd). The bytes printed are the same:
// encoding/json writes a RawMessage as it is (already compact and escaped).
func (i *Inspected) Encode() error {
	b, err := json.Marshal(i.doc())
	if err != nil {
		return err
	}
	i.encoded = b
	return nil
}

// document is the item's document: encoded already, or to be encoded.
func (i *Inspected) document() any {
	if i.encoded != nil {
		return json.RawMessage(i.encoded)
	}
	return i.doc()
}
