package config

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v3"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
)

// configEdit is how config --set (and config KEY VALUE) changes the file:
// ctr cri edits the keys given and nothing else; crictl rewrites every one
// of its keys (editAllKeys).
func configEdit(cmd *cli.Command) func(*configDoc, [][2]string) error {
	if cmdutil.PersonalityOf(cmd).EditAllConfigKeys {
		return editAllKeys
	}
	return editKeys
}

// editAllKeys is crictl's config --set: it reads the file's values, applies
// the changes, and writes all seven keys back in crictl's order — every
// occurrence of a key takes the value the loader reads (the last), keys the
// file lacks are appended. A value keeps its node's style (quotes) and
// comments, as crictl keeps them. A value crictl could not read (timeout:
// soon) is an error before anything is written, as crictl's is.
func editAllKeys(d *configDoc, sets [][2]string) error {
	values := map[string]string{}
	for _, k := range cmdutil.ConfigKeys {
		vs := d.values(k.Name)
		if len(vs) == 0 {
			values[k.Name] = k.Def
			continue
		}
		v, err := k.Normalize(vs[len(vs)-1].Value)
		if err != nil {
			return fmt.Errorf("config %s: %w", d.path, errors.Unwrap(err))
		}
		values[k.Name] = v
	}
	for _, kv := range sets {
		k, err := cmdutil.FindConfigKey(kv[0])
		if err != nil {
			return err
		}
		if values[k.Name], err = k.Normalize(kv[1]); err != nil {
			return err
		}
	}
	d.unalias()
	for _, k := range cmdutil.ConfigKeys {
		v := values[k.Name]
		found := false
		for i := 0; i+1 < len(d.top.Content); i += 2 {
			if d.top.Content[i].Value != k.Name {
				continue
			}
			found = true
			n := d.top.Content[i+1]
			keep := n.Kind == yaml3.ScalarNode && n.Anchor == "" && (n.Tag == k.Tag || n.Tag == "!!str")
			if !keep {
				// Another type (null, a list) or an anchor others may name:
				// a plain value of the key's type, comments kept.
				n = &yaml3.Node{Kind: yaml3.ScalarNode, Tag: k.Tag, HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment}
				d.top.Content[i+1] = n
			}
			n.Value = v
		}
		if !found {
			d.top.Content = append(d.top.Content,
				&yaml3.Node{Kind: yaml3.ScalarNode, Tag: "!!str", Value: k.Name},
				&yaml3.Node{Kind: yaml3.ScalarNode, Tag: k.Tag, Value: v})
		}
	}
	return nil
}
