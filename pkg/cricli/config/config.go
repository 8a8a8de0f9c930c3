package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
	yaml3 "go.yaml.in/yaml/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/outfile"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// configFilePath is the file ctr cri reads its crictl settings from.
func configFilePath(cmd *cli.Command) string {
	g := cmdutil.CriCommand(cmd)
	if g.IsSet("config") {
		return g.String("config")
	}
	if v := os.Getenv("CRI_CONFIG_FILE"); v != "" {
		return v
	}
	return cmdutil.DefaultConfigFile
}

// configDoc is the config file as a YAML node tree, so that comments and
// keys ctr cri does not know survive an edit.
type configDoc struct {
	path string
	doc  *yaml3.Node // DocumentNode
	top  *yaml3.Node // its MappingNode
}

func readConfigDoc(path string) (*configDoc, error) {
	d := &configDoc{path: path}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read config %s: %w", path, errors.Unwrap(err))
	default:
		var doc yaml3.Node
		if err := yaml3.Unmarshal(data, &doc); err != nil {
			return nil, &cmdutil.UsageError{Err: fmt.Errorf("config %s: %v", path, err)}
		}
		if doc.Kind == yaml3.DocumentNode {
			d.doc = &doc
		}
	}
	if d.doc == nil || len(d.doc.Content) == 0 {
		d.top = &yaml3.Node{Kind: yaml3.MappingNode, Tag: "!!map"}
		if d.doc == nil {
			d.doc = &yaml3.Node{Kind: yaml3.DocumentNode}
		}
		d.doc.Content = []*yaml3.Node{d.top}
	} else {
		d.top = d.doc.Content[0]
		if d.top.Kind != yaml3.MappingNode {
			return nil, &cmdutil.UsageError{Err: fmt.Errorf("config %s:%d:%d: want key: value pairs", path, d.top.Line, d.top.Column)}
		}
	}
	return d, nil
}

// get returns a key's value as written, or its default.
func (d *configDoc) get(k cmdutil.ConfigKey) string {
	if vs := d.values(k.Name); len(vs) > 0 {
		return vs[len(vs)-1].Value // the loader, like crictl's, keeps the last
	}
	return k.Def
}

// values are the value nodes of every occurrence of a key, aliases
// resolved to the node they name.
func (d *configDoc) values(name string) []*yaml3.Node {
	var vs []*yaml3.Node
	for i := 0; i+1 < len(d.top.Content); i += 2 {
		if d.top.Content[i].Value == name {
			v := d.top.Content[i+1]
			for v.Kind == yaml3.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			vs = append(vs, v)
		}
	}
	return vs
}

// set changes every occurrence of a key (the loader reads the last one, a
// reader of the file the first), or appends it, keeping the comments
// around it. A value shared through an anchor is copied first, so setting
// one key never changes another.
func (d *configDoc) set(k cmdutil.ConfigKey, v string) {
	d.unalias()
	found := false
	for i := 0; i+1 < len(d.top.Content); i += 2 {
		if d.top.Content[i].Value != k.Name {
			continue
		}
		found = true
		n := d.top.Content[i+1]
		if n.Anchor != "" {
			n = &yaml3.Node{HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment}
			d.top.Content[i+1] = n
		}
		n.Kind, n.Tag, n.Value, n.Style, n.Content, n.Alias = yaml3.ScalarNode, k.Tag, v, scalarStyle(k, v), nil, nil
	}
	if !found {
		d.top.Content = append(d.top.Content,
			&yaml3.Node{Kind: yaml3.ScalarNode, Tag: "!!str", Value: k.Name},
			&yaml3.Node{Kind: yaml3.ScalarNode, Tag: k.Tag, Value: v, Style: scalarStyle(k, v)})
	}
}

// unalias replaces every value that is an alias by a copy of what it
// names, so that changing one key's value never changes another's.
func (d *configDoc) unalias() {
	for i := 0; i+1 < len(d.top.Content); i += 2 {
		if v := d.top.Content[i+1]; v.Kind == yaml3.AliasNode && v.Alias != nil {
			c := *v.Alias
			c.Anchor, c.HeadComment, c.LineComment, c.FootComment = "", v.HeadComment, v.LineComment, v.FootComment
			d.top.Content[i+1] = &c
		}
	}
}

// scalarStyle quotes a string that a YAML 1.1 reader (sigs.k8s.io/yaml,
// crictl's) would take for a bool, a number or null: "on", "y", "1".
func scalarStyle(k cmdutil.ConfigKey, v string) yaml3.Style {
	if k.Tag != "!!str" {
		return 0
	}
	switch strings.ToLower(v) {
	case "", "y", "yes", "n", "no", "on", "off", "true", "false", "null", "~":
		return yaml3.DoubleQuotedStyle
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return yaml3.DoubleQuotedStyle
	}
	return 0
}

// write replaces the file atomically through outfile: its mode is kept, a
// symlinked config is written where the link points.
func (d *configDoc) write() error {
	var buf bytes.Buffer
	enc := yaml3.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d.doc); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(d.path), 0o755); err != nil {
		return fmt.Errorf("write config %s: %w", d.path, err)
	}
	err := outfile.Write(context.Background(), d.path, nil, func(_ context.Context, w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return fmt.Errorf("write config %s: %w", d.path, errors.Unwrap(err))
	}
	return nil
}

// NewConfigCommand returns a fresh "config" command: get, set and list
// options of crictl's config file (comments are kept).
func NewConfigCommand() *cli.Command {
	var b strings.Builder
	for _, k := range cmdutil.ConfigKeys {
		fmt.Fprintf(&b, "\n   %-21s %s (default %q)", k.Name, k.Usage, k.Def)
	}
	formats := []string{printer.Table, printer.JSON, printer.YAML}
	return &cli.Command{
		Name:                   "config",
		UseShortOptionHandling: true,
		Usage:                  "Get, set and list options of crictl's config file (comments are kept)",
		UsageText: `ctr cri config --get KEY
ctr cri config --set KEY=VALUE[,KEY=VALUE] [--set ...]
ctr cri config KEY VALUE
ctr cri config --list [-o table|json|yaml]`,
		Description: "The file is ctr cri --config, CRI_CONFIG_FILE or " + cmdutil.DefaultConfigFile + `; --set creates it.
Edits keep comments, key order and keys ctr cri does not know; invoked as crictl,
--set writes all seven options back, as crictl does (comments and quotes kept). Options:` + b.String(),
		Category: cmdutil.CatTools,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "get", Usage: "print the value of `KEY`"},
			&cli.StringSliceFlag{Name: "set", Usage: "set `KEY=VALUE` (repeatable, or comma-separated)"},
			&cli.BoolFlag{Name: "list", Usage: "show all options"},
			cmdutil.OutputFlag(printer.Table, formats),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			// As crictl: --get, else --set, else --list, else KEY VALUE.
			if !cmd.IsSet("get") && !cmd.IsSet("set") && !cmd.IsSet("list") && cmd.NArg() == 0 {
				return cmdutil.UsageErrorf("config: give one of --get KEY, --set KEY=VALUE, --list, or KEY VALUE")
			}
			p, err := cmdutil.NewPrinter(cmd)
			if err != nil {
				return err
			}
			path := configFilePath(cmd)
			var sets [][2]string
			switch {
			case cmd.IsSet("get"):
				k, err := cmdutil.FindConfigKey(cmd.String("get"))
				if err != nil {
					return err
				}
				d, err := readConfigDoc(path)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmdutil.Stdout(cmd), printer.Escape(d.get(k)))
				return nil
			case cmd.IsSet("set"):
				for _, kv := range cmd.StringSlice("set") {
					k, v, ok := strings.Cut(kv, "=")
					if !ok {
						return cmdutil.UsageErrorf("invalid --set %q: want KEY=VALUE", kv)
					}
					sets = append(sets, [2]string{k, v})
				}
			case cmd.Bool("list"):
				d, err := readConfigDoc(path)
				if err != nil {
					return err
				}
				return p.Print(cmdutil.Stdout(cmd), configList(d))
			default:
				if err := cmdutil.CheckArgs(cmd); err != nil {
					return err
				}
				sets = append(sets, [2]string{cmd.Args().Get(0), cmd.Args().Get(1)})
			}
			d, err := readConfigDoc(path)
			if err != nil {
				return err
			}
			// Every pair is checked before anything is written.
			if err := configEdit(cmd)(d, sets); err != nil {
				return err
			}
			return d.write()
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounConfigKeys, Args: 1, Rest: 1, Min: 2, Synopsis: "KEY VALUE", ByFlags: true,
			CrictlHelp: cmdutil.HelpWithoutArgsOr("get", "set", "list")},
			cmdutil.Ex("Point crictl's config file at containerd",
				"ctr cri config --set runtime-endpoint=unix:///run/containerd/containerd.sock"),
			cmdutil.Ex("Show every option of the config file",
				"ctr cri config --list"),
			cmdutil.Ex("Print one option",
				"ctr cri config --get timeout"),
		),
	}
}

// editKeys is ctr cri's config --set: it changes the keys given, and
// nothing else in the file.
func editKeys(d *configDoc, sets [][2]string) error {
	type edit struct {
		k cmdutil.ConfigKey
		v string
	}
	var edits []edit
	for _, kv := range sets {
		k, err := cmdutil.FindConfigKey(kv[0])
		if err != nil {
			return err
		}
		v, err := k.Normalize(kv[1])
		if err != nil {
			return err
		}
		edits = append(edits, edit{k, v})
	}
	for _, e := range edits {
		d.set(e.k, e.v)
	}
	return nil
}

func configList(d *configDoc) *printer.Resource {
	doc := map[string]any{}
	for _, k := range cmdutil.ConfigKeys {
		v := d.get(k)
		switch k.Tag {
		case "!!int":
			n, _ := strconv.Atoi(v)
			doc[k.Name] = n
		case "!!bool":
			b, _ := strconv.ParseBool(v)
			doc[k.Name] = b
		default:
			doc[k.Name] = v
		}
	}
	return &printer.Resource{
		Doc:     doc,
		Columns: []printer.Column{{Header: "KEY"}, {Header: "VALUE", Blank: true}},
		Rows: func(emit func(cells ...string)) {
			for _, k := range cmdutil.ConfigKeys {
				emit(k.Name, d.get(k))
			}
		},
	}
}
