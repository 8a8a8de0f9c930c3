package printer

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// MarshalYAML renders the same document as MarshalJSON, in YAML. Strings
// keep their exact value: characters YAML may not carry raw (DEL, C1) are
// written as escapes in double-quoted scalars, so one hostile name cannot
// make the whole listing fail.
func MarshalYAML(doc any) ([]byte, error) {
	raw, err := marshalCompact(doc)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(yamlSafeJSON(raw))
}

// yamlSafeJSON rewrites the runes outside YAML's printable set, and its
// line breaks, as JSON \u escapes. encoding/json and protojson escape C0 already but leave DEL, C1
// and U+FFFE/U+FFFF raw, which go-yaml's reader refuses. Non-ASCII bytes
// only occur inside JSON strings, where \u escapes mean the same rune.
func yamlSafeJSON(raw []byte) []byte {
	if !bytes.ContainsFunc(raw, yamlUnprintable) {
		return raw
	}
	var b bytes.Buffer
	b.Grow(len(raw) + 16)
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if yamlUnprintable(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.Write(raw[i : i+size])
		}
		i += size
	}
	return b.Bytes()
}

func yamlUnprintable(r rune) bool {
	// U+2028/2029 are line breaks to YAML: raw in a map key they broke the
	// whole document ("did not find expected ','").
	return r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffe || r == 0xffff || r == 0x2028 || r == 0x2029
}
