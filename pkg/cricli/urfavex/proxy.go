package urfavex

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v3"
)

// ProxyGlobals lets every global flag work after the subcommand too, in its
// long form. urfave/cli hides an inherited flag from a subcommand as soon as
// one of its names is taken there (ps -r hides --runtime-endpoint, ps -a
// hides ctr's --address), so each such subcommand gets a hidden copy under
// the names it leaves free; the returned function copies what was set into
// the real flag before anything reads it (its error is a bad value). A name the subcommand defines
// itself keeps the subcommand's meaning (stop -t, exec --timeout).
func ProxyGlobals(cri *cli.Command, root *cli.Command) func() error {
	type global struct {
		owner *cli.Command
		flag  cli.Flag
		names []string
	}
	var globals []global
	byName := map[string]int{}
	add := func(owner *cli.Command, f cli.Flag) {
		names := f.Names()
		for _, n := range names {
			byName[n] = len(globals)
		}
		globals = append(globals, global{owner, f, names})
	}
	for _, f := range cri.Flags {
		add(cri, f)
	}
	if root != nil {
		for _, f := range root.Flags {
			// Only ctr's flags that act under cri and whose names cri does
			// not take (cri's own --timeout and --debug win).
			if n := f.Names(); n[0] == "address" || n[0] == "connect-timeout" {
				add(root, f)
			}
		}
	}
	type proxy struct {
		flag   cli.Flag
		target *cli.Command
		name   string
	}
	var proxies []proxy
	var walk func(cmd *cli.Command)
	walk = func(cmd *cli.Command) {
		for _, sub := range cmd.Commands {
			walk(sub)
			// Start-up cost matters: only the names of globals are looked
			// at, and only subcommands that take one of them do more.
			var hit map[int]bool // global -> its long name is the subcommand's own
			var local []string
			for _, f := range sub.Flags {
				name, aliases := nameAndAliases(f)
				for i := -1; i < len(aliases); i++ {
					n := name
					if i >= 0 {
						n = aliases[i]
					}
					if gi, ok := byName[n]; ok {
						if hit == nil {
							hit = map[int]bool{}
						}
						hit[gi] = hit[gi] || n == globals[gi].names[0]
						local = append(local, n)
					}
				}
			}
			for gi := range globals {
				if own, ok := hit[gi]; !ok || own {
					continue // not taken, or the subcommand's own flag keeps the name
				}
				g := globals[gi]
				var free []string
				for _, n := range g.names[1:] {
					if !slices.Contains(local, n) {
						free = append(free, n)
					}
				}
				if c := hiddenCopy(g.flag, free); c != nil {
					sub.Flags = append(sub.Flags, c)
					proxies = append(proxies, proxy{c, g.owner, g.names[0]})
				}
			}
		}
	}
	walk(cri)
	return func() error {
		for _, p := range proxies {
			if !p.flag.IsSet() {
				continue
			}
			if err := p.target.Set(p.name, fmt.Sprint(p.flag.Get())); err != nil {
				return fmt.Errorf("invalid value for --%s: %w", p.name, err)
			}
		}
		return nil
	}
}

// nameAndAliases is f's name and aliases without f.Names()'s copies: the walk
// over every flag of the tree runs at each start-up.
func nameAndAliases(f cli.Flag) (string, []string) {
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.Name, f.Aliases
	case *cli.BoolFlag:
		return f.Name, f.Aliases
	case *cli.IntFlag:
		return f.Name, f.Aliases
	case *cli.Int64Flag:
		return f.Name, f.Aliases
	case *cli.DurationFlag:
		return f.Name, f.Aliases
	case *cli.StringSliceFlag:
		return f.Name, f.Aliases
	}
	n := f.Names()
	return n[0], n[1:]
}

// hiddenCopy is f under its long name and the aliases in free, hidden from
// the subcommand's OPTIONS (help lists it under GLOBAL OPTIONS).
func hiddenCopy(f cli.Flag, free []string) cli.Flag {
	switch f := f.(type) {
	case *cli.StringFlag:
		return &cli.StringFlag{Name: f.Name, Aliases: free, Usage: f.Usage, Hidden: true, Category: proxyCategory}
	case *cli.BoolFlag:
		return &cli.BoolFlag{Name: f.Name, Aliases: free, Usage: f.Usage, Hidden: true, Category: proxyCategory}
	case *cli.DurationFlag:
		return &cli.DurationFlag{Name: f.Name, Aliases: free, Usage: f.Usage, Hidden: true, Category: proxyCategory}
	case *cli.IntFlag:
		return &cli.IntFlag{Name: f.Name, Aliases: free, Usage: f.Usage, Hidden: true, Category: proxyCategory}
	}
	return nil
}

// proxyCategory marks hiddenCopy's flags, which hasFlag does not count: the
// command that owns a global is still the one that defines it.
const proxyCategory = "global flag after the command"

// IsProxy reports whether f is a hidden copy of a global flag (ProxyGlobals).
func IsProxy(f cli.Flag) bool {
	cf, ok := f.(cli.CategorizableFlag)
	return ok && cf.GetCategory() == proxyCategory
}
