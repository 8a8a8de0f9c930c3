package printer

import "sigs.k8s.io/yaml"

// MarshalYAML renders the same document as MarshalJSON, in YAML.
func MarshalYAML(doc any) ([]byte, error) {
	raw, err := marshalCompact(doc)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(raw)
}
