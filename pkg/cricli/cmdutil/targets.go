package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Shared by the lifecycle commands: the client, targets (IDs, names or -a)
// and running one operation over many of them.

// MaxInFlight bounds concurrent RPCs of multi-target commands.
const MaxInFlight = 8

// ForEach applies op to every target with a few in flight. Each success's
// full ID goes to stdout in target order, as soon as the targets before it
// are done; the failures come back joined (resolution failures first), so
// main prints one line each and exits 1.
func ForEach(ctx context.Context, cmd *cli.Command, ids []string, failed []error, op func(ctx context.Context, id string) error) error {
	return ForEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
		if err := op(ctx, id); err != nil {
			return nil, err
		}
		return []string{id}, nil
	})
}

// ForEachSay is forEach for commands whose stdout lines are crictl's
// sentences (Stopped sandbox ID, Deleted: REF): op returns the lines for
// its target, printed in target order, also those of a step that succeeded
// before a later one failed.
func ForEachSay(ctx context.Context, cmd *cli.Command, ids []string, failed []error, op func(ctx context.Context, id string) ([]string, error)) error {
	return ForEachSayWaiting(ctx, cmd, ids, failed, nil, op)
}

// ForEachSayWaiting is forEachSay for operations that may wait long (stop
// with a grace period): on a terminal, describe's line for each target
// still running after a second is shown on stderr until it ends.
func ForEachSayWaiting(ctx context.Context, cmd *cli.Command, ids []string, failed []error, describe func(id string) (what, why string), op func(ctx context.Context, id string) ([]string, error)) error {
	ids = Uniq(ids)
	w := Stdout(cmd)
	var wv *termui.WaitView
	if describe != nil {
		wv = startWaitView(cmd)
		defer wv.End()
	}
	errs := make([]error, len(ids))
	lines := make([][]string, len(ids))
	done := make([]bool, len(ids))
	var mu sync.Mutex
	var werr error // the first failed write to stdout
	next := 0
	sem := make(chan struct{}, MaxInFlight)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			untrack := func() {}
			if wv != nil {
				untrack = wv.Track(describe(id))
			}
			said, err := op(ctx, id)
			untrack()
			<-sem
			mu.Lock()
			defer mu.Unlock()
			errs[i], lines[i], done[i] = err, said, true
			for next < len(ids) && done[next] {
				if err := wv.Println(w, lines[next]); err != nil && werr == nil {
					werr = err
				}
				next++
			}
		}()
	}
	wg.Wait()
	return errors.Join(append(append(failed, errs...), werr)...)
}

// NothingToDo says on stderr, as crictl does, that -a found no targets.
func NothingToDo(cmd *cli.Command, what string) {
	fmt.Fprintf(Stderr(cmd), "No %s to remove\n", what)
}

// Uniq is ids without repeats, in order.
func Uniq(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Split separates resolved targets from the references that failed.
func Split[T any](res []runtime.Resolved[T], id func(T) string) ([]T, []string, []error) {
	var items []T
	var ids []string
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		items = append(items, r.Item)
		ids = append(ids, id(r.Item))
	}
	return items, ids, errs
}

// Targets is what a command acts on: the objects the filters select when
// no references are named (list), else the named ones, resolved with one
// list call (resolve); the references that failed come back as errors.
func Targets[T any](refs []string, list func() ([]T, error), resolve func([]string) ([]runtime.Resolved[T], error), id func(T) string) ([]T, []string, []error, error) {
	if len(refs) == 0 {
		items, err := list()
		if err != nil {
			return nil, nil, nil, err
		}
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = id(it)
		}
		return items, ids, nil, nil
	}
	res, err := resolve(refs)
	if err != nil {
		return nil, nil, nil, err
	}
	items, ids, errs := Split(res, id)
	return items, ids, errs, nil
}

// ContainerID is a resolved container's ID.
func ContainerID(c runtime.Container) string { return c.Id }

// PodID is a resolved pod's ID.
func PodID(p *runtime.Pod) string { return p.Id }

// CancelTimeoutFlag is --cancel-timeout of the lifecycle commands.
func CancelTimeoutFlag() *cli.DurationFlag {
	return &cli.DurationFlag{Name: "cancel-timeout", Aliases: []string{"T"},
		Usage: "give up on each run/create/start request after this long; 0 means the lifecycle budget (>= 30s)"}
}

// RuntimeHandlerFlag is --runtime (the runtime handler) of runp and run.
func RuntimeHandlerFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "runtime", Aliases: []string{"r"},
		Usage: "runtime handler to run the pod with, as configured in the runtime (e.g. runc)"}
}

// RPCContext is ctx with the command's per-call deadline, if any.
func RPCContext(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	d := cmd.Duration("cancel-timeout")
	if d < 0 {
		return nil, UsageErrorf("invalid --cancel-timeout %s: must not be negative", d)
	}
	return runtime.WithRPCTimeout(ctx, d), nil
}

// AllFlag is -a/--all of the removal and stop commands: every what.
func AllFlag(what string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: what}
}

// TargetsOrAll checks that a multi-target command got targets or -a, not both.
func TargetsOrAll(cmd *cli.Command, what string) error {
	switch {
	case cmd.Bool("all") && cmd.NArg() > 0:
		return UsageErrorf("%s: give %s IDs or -a, not both", cmd.Name, what)
	case !cmd.Bool("all") && cmd.NArg() == 0:
		return UsageErrorf("%s needs at least one %s ID or name, or -a", cmd.Name, what)
	}
	return nil
}

// PickContainers resolves the named containers, or lists those -a means,
// with one ListContainers and one ListPodSandbox call.
func PickContainers(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.ContainerFilter) ([]string, []error, error) {
	items, failed, err := ResolveContainers(ctx, c, cmd, all)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Id
	}
	return ids, failed, err
}

// ResolveContainers resolves container IDs, ID prefixes and names with one
// list call.
func ResolveContainers(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.ContainerFilter) ([]runtime.Container, []error, error) {
	if cmd.Bool("all") {
		l, err := c.ListContainers(ctx, all)
		if err != nil {
			return nil, nil, err
		}
		return l.Items, nil, nil
	}
	res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
	if err != nil {
		return nil, nil, err
	}
	items, _, failed := Split(res, ContainerID)
	return items, failed, nil
}

// ResolvePods resolves pod IDs, ID prefixes, names and namespace/names with
// one list call.
func ResolvePods(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.PodFilter) ([]*runtime.Pod, []error, error) {
	if cmd.Bool("all") {
		pods, err := c.ListPods(ctx, all)
		return pods, nil, err
	}
	res, err := c.ResolvePods(ctx, cmd.Args().Slice())
	if err != nil {
		return nil, nil, err
	}
	items, _, failed := Split(res, PodID)
	return items, failed, nil
}
