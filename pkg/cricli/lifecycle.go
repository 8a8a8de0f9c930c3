package cricli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/distribution/reference"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// maxInFlight bounds concurrent RPCs of multi-target commands.
const maxInFlight = 8

// globalsOf is the command owning ctr cri's global flags. Subcommand flags
// such as stop -t or runp -r hide them by name, so the endpoint and the
// per-RPC timeout are read from there.
func globalsOf(cmd *cli.Command) *cli.Command {
	for _, c := range cmd.Lineage() {
		if hasFlag(c, "runtime-endpoint") {
			return c
		}
	}
	return cmd
}

// run runs fn with a client, resolving the endpoint from the global flags.
func run(ctx context.Context, cmd *cli.Command, fn func(context.Context, *runtime.Client) error) error {
	return withClient(ctx, globalsOf(cmd), fn)
}

// forEach applies op to every target with a few in flight. Each success's
// full ID goes to stdout in target order, as soon as the targets before it
// are done; the failures come back joined (resolution failures first), so
// main prints one line each and exits 1.
func forEach(ctx context.Context, cmd *cli.Command, ids []string, failed []error, op func(ctx context.Context, id string) error) error {
	return forEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
		if err := op(ctx, id); err != nil {
			return nil, err
		}
		return []string{id}, nil
	})
}

// forEachSay is forEach for commands whose stdout lines are crictl's
// sentences (Stopped sandbox ID, Deleted: REF): op returns the lines for
// its target, printed in target order, also those of a step that succeeded
// before a later one failed.
func forEachSay(ctx context.Context, cmd *cli.Command, ids []string, failed []error, op func(ctx context.Context, id string) ([]string, error)) error {
	ids = uniq(ids)
	w := cmd.Root().Writer
	errs := make([]error, len(ids))
	lines := make([][]string, len(ids))
	done := make([]bool, len(ids))
	var mu sync.Mutex
	next := 0
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			said, err := op(ctx, id)
			<-sem
			mu.Lock()
			defer mu.Unlock()
			errs[i], lines[i], done[i] = err, said, true
			for next < len(ids) && done[next] {
				for _, l := range lines[next] {
					fmt.Fprintln(w, printer.Escape(l))
				}
				next++
			}
		}()
	}
	wg.Wait()
	return errors.Join(append(failed, errs...)...)
}

// nothingToDo says on stderr, as crictl does, that -a found no targets.
func nothingToDo(cmd *cli.Command, what string) {
	fmt.Fprintf(cmd.Root().ErrWriter, "No %s to remove\n", what)
}

func uniq(ids []string) []string {
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

// split separates resolved targets from the references that failed.
func split[T any](res []runtime.Resolved[T], id func(T) string) ([]T, []string, []error) {
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

func containerID(c runtime.Container) string { return c.Id }
func podID(p *runtime.Pod) string            { return p.Id }

// loadPodConfig and loadContainerConfig read config files before any RPC;
// a bad file is a usage error naming file:line:col and the field.
func loadPodConfig(cmd *cli.Command, path string) (*runtimeapi.PodSandboxConfig, error) {
	cfg, err := runtime.LoadPodConfig(path, configOptions(cmd)...)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return cfg, nil
}

func loadContainerConfig(cmd *cli.Command, path string) (*runtimeapi.ContainerConfig, error) {
	cfg, err := runtime.LoadContainerConfig(path, configOptions(cmd)...)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	// The runtime would refuse it only after the pod was made (run) or
	// looked up (create): a bad reference is the file's fault, say so first.
	if img := cfg.GetImage().GetImage(); img != "" {
		if _, err := reference.ParseAnyReference(img); err != nil {
			return nil, usageErrorf("%s: image.image: invalid image reference %q: %v", path, img, err)
		}
	}
	return cfg, nil
}

func cancelTimeoutFlag() *cli.DurationFlag {
	return &cli.DurationFlag{Name: "cancel-timeout", Aliases: []string{"T"},
		Usage: "give up on each run/create/start request after this long; 0 means the lifecycle budget (>= 30s)"}
}

func runtimeHandlerFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "runtime", Aliases: []string{"r"},
		Usage: "runtime handler to run the pod with, as configured in the runtime (e.g. runc)"}
}

func rpcContext(ctx context.Context, cmd *cli.Command) (context.Context, error) {
	d := cmd.Duration("cancel-timeout")
	if d < 0 {
		return nil, usageErrorf("invalid --cancel-timeout %s: must not be negative", d)
	}
	return runtime.WithRPCTimeout(ctx, d), nil
}

// jsonSchemaCommand prints the JSON Schema of the config files a command
// reads (crictl: runp jsonschema, create jsonschema -p/-c); parent names
// that command in the examples.
func jsonSchemaCommand(parent string, defaultPod bool) *cli.Command {
	cmd := &cli.Command{
		Name:    "jsonschema",
		Aliases: []string{"js"},
		Usage:   "Print the JSON Schema of the config file (generated from this build's CRI API)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := noArgs(cmd); err != nil {
				return err
			}
			pod, ctr := defaultPod, !defaultPod
			if hasFlag(cmd, "pod") && (cmd.Bool("pod") || cmd.Bool("container")) {
				pod, ctr = cmd.Bool("pod"), cmd.Bool("container")
			}
			p, err := printer.New(printer.JSON, []string{printer.JSON}, printer.Options{})
			if err != nil {
				return err
			}
			if pod {
				if err := p.Print(cmd.Root().Writer, &printer.Resource{Doc: runtime.PodConfigSchema()}); err != nil {
					return err
				}
			}
			if ctr {
				return p.Print(cmd.Root().Writer, &printer.Resource{Doc: runtime.ContainerConfigSchema()})
			}
			return nil
		},
	}
	cmd.Metadata = about(argSpec{},
		ex("The schema of "+parent+"'s config file", "ctr cri "+parent+" jsonschema"))
	if !defaultPod {
		cmd.Metadata = about(argSpec{},
			ex("The schema of the container config", "ctr cri "+parent+" jsonschema"),
			ex("The schema of the pod config", "ctr cri "+parent+" jsonschema -p"))
		cmd.Usage = "Print the JSON Schema of the container config (-c, default) or the pod config (-p)"
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "pod", Aliases: []string{"p"}, Usage: "print the pod config (PodSandboxConfig) schema"},
			&cli.BoolFlag{Name: "container", Aliases: []string{"c"}, Usage: "print the container config (ContainerConfig) schema"},
		}
	}
	return cmd
}

const configHelp = `Config files are JSON or YAML with the CRI field names (snake_case, as crictl's
examples); enums are numbers. Unknown fields, wrong types and values YAML would
silently change are errors naming file:line:col and the field (exit 2), reported
before anything is sent to the runtime. "jsonschema" prints the schema.`

func newRunPodCommand() *cli.Command {
	return &cli.Command{
		Name:      "runp",
		Usage:     "Run a new pod from a pod config file and print its ID",
		UsageText: "ctr cri runp [options] POD-CONFIG.json|yaml",
		Description: configHelp + `

metadata.name and metadata.namespace are required; metadata.uid is generated
when missing. Set linux.cgroup_parent as the kubelet does (e.g. /mypods/NAME
with the cgroupfs driver; see runtime-config), or pod stats will not work.`,
		Category: catPods,
		Flags:    []cli.Flag{runtimeHandlerFlag(), cancelTimeoutFlag()},
		Commands: []*cli.Command{jsonSchemaCommand("runp", true)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 1 {
				return usageErrorf("runp takes one pod config file, got %d arguments", cmd.NArg())
			}
			cfg, err := loadPodConfig(cmd, cmd.Args().First())
			if err != nil {
				return err
			}
			ctx, err = rpcContext(ctx, cmd)
			if err != nil {
				return err
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				id, err := c.RunPod(ctx, cfg, cmd.String("runtime"))
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.Root().Writer, printer.Escape(id))
				return nil
			})
		},
		Metadata: about(argSpec{files: 1},
			ex("Run a pod from a config file and print its ID",
				"ctr cri runp pod.yaml"),
			ex("Run it with another runtime handler",
				"ctr cri runp -r runc pod.yaml"),
		),
	}
}

// pullModes are the values of --pull.
var pullModes = []string{"missing", "always", "never"}

func pullPolicyFlags(def, what string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pull", Usage: "pull the image: missing (only when absent), always, never (default: " + def + what + ")",
			Validator: oneOf("pull", pullModes)},
		&cli.BoolFlag{Name: "with-pull", Usage: "crictl's spelling of --pull always"},
		&cli.BoolFlag{Name: "no-pull", Usage: "crictl's spelling of --pull never"},
	}
}

// pullPolicy reads --pull/--with-pull/--no-pull over the config file's
// default (pull-image-on-create / disable-pull-on-run).
func pullPolicy(cmd *cli.Command, configDefault string) (string, error) {
	set := 0
	mode := configDefault
	if cmd.IsSet("pull") {
		set++
		mode = cmd.String("pull")
	}
	if cmd.Bool("with-pull") {
		set++
		mode = "always"
	}
	if cmd.Bool("no-pull") {
		set++
		mode = "never"
	}
	if set > 1 {
		return "", usageErrorf("--pull, --with-pull and --no-pull contradict each other: give one")
	}
	return mode, nil
}

// imagesToPull lists the container's image and any image volumes.
func imagesToPull(cfg *runtimeapi.ContainerConfig) []*runtimeapi.ImageSpec {
	specs := []*runtimeapi.ImageSpec{cfg.GetImage()}
	for _, m := range cfg.GetMounts() {
		if m.GetImage().GetImage() != "" {
			specs = append(specs, m.GetImage())
		}
	}
	return specs
}

// ensureImages pulls what the policy asks for before a create, with
// progress on a terminal.
func ensureImages(ctx context.Context, cmd *cli.Command, c *runtime.Client, mode string, cfg *runtimeapi.ContainerConfig, podCfg *runtimeapi.PodSandboxConfig, auth *runtimeapi.AuthConfig, timeout time.Duration) error {
	if mode == "never" {
		return nil
	}
	for _, spec := range imagesToPull(cfg) {
		if mode == "missing" {
			ok, err := c.HasImage(ctx, spec.Image)
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		progress, done := pullProgress(cmd, spec.Image)
		_, err := c.PullImage(ctx, runtime.PullRequest{Image: spec.Image, Annotations: spec.Annotations, Auth: auth, PodConfig: podCfg, Timeout: timeout}, progress)
		done()
		if err != nil {
			return err
		}
	}
	return nil
}

// createOptions are what create and run share.
type createOptions struct {
	pull        string
	auth        *runtimeapi.AuthConfig
	pullTimeout time.Duration
}

// readCreateOptions reads the pull policy (def unless the config file or a
// flag says otherwise), registry credentials and pull timeout.
func readCreateOptions(cmd *cli.Command, def string, configKey func(*crictlConfig) string) (*createOptions, error) {
	cfg, _, err := loadConfig(globalsOf(cmd))
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if d := configKey(cfg); d != "" {
			def = d
		}
	}
	o := &createOptions{}
	if o.pull, err = pullPolicy(cmd, def); err != nil {
		return nil, err
	}
	if o.pullTimeout, err = pullTimeout(cmd); err != nil {
		return nil, err
	}
	if o.auth, err = authFrom(cmd); err != nil {
		return nil, err
	}
	return o, nil
}

func newCreateCommand() *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "Create a container in a pod from a container config and the pod's config; print its ID",
		UsageText: "ctr cri create [options] POD CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml",
		Description: `POD is a pod ID, unique ID prefix, name or namespace/name. The image is pulled
only when the runtime lacks it, unless --pull says otherwise (crictl's config
key pull-image-on-create: true means --pull always).

` + configHelp,
		Category: catContainers,
		Flags:    append(append(pullPolicyFlags("missing", "; always with pull-image-on-create: true"), pullAuthFlags()...), cancelTimeoutFlag()),
		Commands: []*cli.Command{jsonSchemaCommand("create", false)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 3 {
				return usageErrorf("create takes POD CONTAINER-CONFIG POD-CONFIG, got %d arguments", cmd.NArg())
			}
			args := cmd.Args().Slice()
			ctrCfg, err := loadContainerConfig(cmd, args[1])
			if err != nil {
				return err
			}
			podCfg, err := loadPodConfig(cmd, args[2])
			if err != nil {
				return err
			}
			o, err := readCreateOptions(cmd, "missing", func(c *crictlConfig) string {
				if c.PullImageOnCreate {
					return "always"
				}
				return ""
			})
			if err != nil {
				return err
			}
			ctx, err = rpcContext(ctx, cmd)
			if err != nil {
				return err
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolvePods(ctx, args[:1])
				if err != nil {
					return err
				}
				if res[0].Err != nil {
					return res[0].Err
				}
				if err := ensureImages(ctx, cmd, c, o.pull, ctrCfg, podCfg, o.auth, o.pullTimeout); err != nil {
					return err
				}
				id, err := c.CreateContainer(ctx, res[0].Item.Id, ctrCfg, podCfg)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.Root().Writer, printer.Escape(id))
				return nil
			})
		},
		Metadata: about(argSpec{noun: nounPods, state: "ready", args: 1, files: 2},
			ex("Create a container in the ready pod web",
				"ctr cri create web container.yaml pod.yaml"),
			ex("Create it without pulling the image",
				"ctr cri create --pull never web container.yaml pod.yaml"),
		),
	}
}

func newRunCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "Run a pod and a container in it (runp + pull + create + start); print the container ID",
		UsageText: "ctr cri run [options] CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml",
		Description: `As crictl, the image is pulled every time (refreshing a moved tag), unless --pull
says otherwise (--pull missing pulls only an absent image; crictl's config key
disable-pull-on-run: true means --pull never). When a step after the pod started
fails, the pod is stopped and removed again.

` + configHelp,
		Category: catContainers,
		Flags:    append(append(append(pullPolicyFlags("always", "; never with disable-pull-on-run: true"), pullAuthFlags()...), cancelTimeoutFlag()), runtimeHandlerFlag()),
		Commands: []*cli.Command{jsonSchemaCommand("run", false)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() != 2 {
				return usageErrorf("run takes CONTAINER-CONFIG POD-CONFIG, got %d arguments", cmd.NArg())
			}
			ctrCfg, err := loadContainerConfig(cmd, cmd.Args().Get(0))
			if err != nil {
				return err
			}
			podCfg, err := loadPodConfig(cmd, cmd.Args().Get(1))
			if err != nil {
				return err
			}
			o, err := readCreateOptions(cmd, "always", func(c *crictlConfig) string {
				if c.DisablePullOnRun {
					return "never"
				}
				return ""
			})
			if err != nil {
				return err
			}
			ctx, err = rpcContext(ctx, cmd)
			if err != nil {
				return err
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				podID, err := c.RunPod(ctx, podCfg, cmd.String("runtime"))
				if err != nil {
					return err
				}
				id, err := func() (string, error) {
					if err := ensureImages(ctx, cmd, c, o.pull, ctrCfg, podCfg, o.auth, o.pullTimeout); err != nil {
						return "", err
					}
					id, err := c.CreateContainer(ctx, podID, ctrCfg, podCfg)
					if err != nil {
						return "", err
					}
					return id, c.StartContainer(ctx, id)
				}()
				if err != nil {
					if uerr := undoPod(ctx, c, podID); uerr != nil {
						return errors.Join(err, uerr)
					}
					return fmt.Errorf("%w (the pod it started was removed again)", err)
				}
				fmt.Fprintln(cmd.Root().Writer, printer.Escape(id))
				return nil
			})
		},
		Metadata: about(argSpec{files: 2},
			ex("Run a pod, pull the image, create and start the container; print its ID",
				"ctr cri run container.yaml pod.yaml"),
			ex("The same with the image already on the node",
				"ctr cri run --pull missing container.yaml pod.yaml"),
		),
	}
}

// undoPod removes the pod run made, even when ctx was cancelled.
func undoPod(ctx context.Context, c *runtime.Client, id string) error {
	ctx = context.WithoutCancel(ctx)
	if err := c.StopPod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	if err := c.RemovePod(ctx, id); err != nil {
		return fmt.Errorf("could not remove the pod run started (%s): %w", id, err)
	}
	return nil
}

func newStartCommand() *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "Start one or more created containers",
		UsageText: "ctr cri start CONTAINER [CONTAINER...]",
		Category:  catContainers,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if cmd.NArg() == 0 {
				return usageErrorf("start needs at least one container ID or name")
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, failed := split(res, containerID)
				return forEach(ctx, cmd, ids, failed, c.StartContainer)
			})
		},
		Metadata: about(argSpec{noun: nounContainers, state: "created", args: argsMany},
			ex("Start a created container",
				"ctr cri start app"),
		),
	}
}

func allFlag(what string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: what}
}

// targetsOrAll checks that a multi-target command got targets or -a, not both.
func targetsOrAll(cmd *cli.Command, what string) error {
	switch {
	case cmd.Bool("all") && cmd.NArg() > 0:
		return usageErrorf("%s: give %s IDs or -a, not both", cmd.Name, what)
	case !cmd.Bool("all") && cmd.NArg() == 0:
		return usageErrorf("%s needs at least one %s ID or name, or -a", cmd.Name, what)
	}
	return nil
}

func newStopCommand() *cli.Command {
	return &cli.Command{
		Name:        "stop",
		Usage:       "Stop one or more running containers",
		UsageText:   "ctr cri stop [options] CONTAINER [CONTAINER...] | -a",
		Description: "An unknown container is an error (crictl ignores it). Each stopped container's ID is printed.",
		Category:    catContainers,
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "timeout", Aliases: []string{"t"}, Usage: "seconds to wait after SIGTERM before killing (0: kill at once)"},
			allFlag("stop all running containers"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := targetsOrAll(cmd, "container"); err != nil {
				return err
			}
			grace := cmd.Int64("timeout")
			if grace < 0 {
				return usageErrorf("invalid --timeout %d: seconds must not be negative", grace)
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, failed, err := pickContainers(ctx, c, cmd, runtime.ContainerFilter{State: "running"})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(ids) == 0 {
					// crictl says so on stdout; scripts grep for it.
					fmt.Fprintln(cmd.Root().Writer, "No running containers found.")
					return nil
				}
				ids, failed, op := stopUnknownAsCrictl(cmd, ids, failed, func(ctx context.Context, id string) error {
					return c.StopContainer(ctx, id, grace)
				})
				return forEach(ctx, cmd, ids, failed, op)
			})
		},
		Metadata: about(argSpec{noun: nounContainers, state: "running", args: argsMany},
			ex("Stop container app, killing it after 10 seconds",
				"ctr cri stop -t 10 app"),
			ex("Stop every running container",
				"ctr cri stop -a"),
		),
	}
}

// pickContainers resolves the named containers, or lists those -a means,
// with one ListContainers and one ListPodSandbox call.
func pickContainers(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.ContainerFilter) ([]string, []error, error) {
	items, failed, err := resolveContainers(ctx, c, cmd, all)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Id
	}
	return ids, failed, err
}

func resolveContainers(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.ContainerFilter) ([]runtime.Container, []error, error) {
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
	items, _, failed := split(res, containerID)
	return items, failed, nil
}

func resolvePods(ctx context.Context, c *runtime.Client, cmd *cli.Command, all runtime.PodFilter) ([]*runtime.Pod, []error, error) {
	if cmd.Bool("all") {
		pods, err := c.ListPods(ctx, all)
		return pods, nil, err
	}
	res, err := c.ResolvePods(ctx, cmd.Args().Slice())
	if err != nil {
		return nil, nil, err
	}
	items, _, failed := split(res, podID)
	return items, failed, nil
}

func newStopPodCommand() *cli.Command {
	return &cli.Command{
		Name:        "stopp",
		Usage:       "Stop one or more pods (their containers and sandbox)",
		UsageText:   "ctr cri stopp POD [POD...] | -a",
		Description: "POD is an ID, unique prefix, name or namespace/name. An unknown pod is an error (crictl ignores it).",
		Category:    catPods,
		Flags:       []cli.Flag{allFlag("stop all ready pods")},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := targetsOrAll(cmd, "pod"); err != nil {
				return err
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				pods, failed, err := resolvePods(ctx, c, cmd, runtime.PodFilter{State: "ready"})
				if err != nil {
					return err
				}
				ids := make([]string, len(pods))
				for i, p := range pods {
					ids[i] = p.Id
				}
				ids, failed, op := stopUnknownAsCrictl(cmd, ids, failed, c.StopPod)
				return forEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					if err := op(ctx, id); err != nil {
						return nil, err
					}
					return []string{"Stopped sandbox " + id}, nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounPods, state: "ready", args: argsMany},
			ex("Stop pod web of namespace shop",
				"ctr cri stopp shop/web"),
			ex("Stop every ready pod",
				"ctr cri stopp -a"),
		),
	}
}

func newRemoveCommand() *cli.Command {
	return &cli.Command{
		Name:      "rm",
		Usage:     "Remove one or more containers, and their log files unless -k",
		UsageText: "ctr cri rm [options] CONTAINER [CONTAINER...] | -a",
		Description: `Targets are resolved from one container list. A running container is an error
unless -f, which stops it first (no grace period). As crictl does, the container's
log file and its rotations are deleted unless -k; that needs one status call per
container for the log path.`,
		Category: catContainers,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop running containers first"},
			&cli.BoolFlag{Name: "keep-logs", Aliases: []string{"k"}, Usage: "keep the container's log file and its rotations"},
			allFlag("remove all containers"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := targetsOrAll(cmd, "container"); err != nil {
				return err
			}
			force, keepLogs := cmd.Bool("force"), cmd.Bool("keep-logs")
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				items, failed, err := resolveContainers(ctx, c, cmd, runtime.ContainerFilter{All: true})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(items) == 0 {
					nothingToDo(cmd, "containers")
					return nil
				}
				running := map[string]bool{}
				ids := make([]string, len(items))
				for i, it := range items {
					ids[i] = it.Id
					running[it.Id] = it.State == runtimeapi.ContainerState_CONTAINER_RUNNING
				}
				// As crictl, -f on a running container prints its ID twice:
				// once stopped, once removed.
				return forEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					var said []string
					if running[id] {
						if !force {
							return nil, &runtime.Error{Kind: runtime.KindFailed, Op: "remove container", ID: id, Err: errors.New("it is running"), Hint: "stop it first, or use rm -f"}
						}
						if err := c.StopContainer(ctx, id, 0); err != nil {
							return nil, err
						}
						said = append(said, id)
					}
					var log runtime.ContainerLog
					if !keepLogs {
						l, err := c.ContainerLogOf(ctx, id)
						if err != nil {
							return said, err
						}
						log = l
					}
					if err := c.RemoveContainer(ctx, id); err != nil {
						return said, err
					}
					said = append(said, id)
					if err := runtime.RemoveLogFiles(log); err != nil {
						return said, fmt.Errorf("container %q removed, but not its logs: %w", id, err)
					}
					return said, nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounContainers, args: argsMany},
			ex("Remove an exited container and its logs",
				"ctr cri rm app"),
			ex("Stop and remove a running container, keeping its logs",
				"ctr cri rm -f -k app"),
		),
	}
}

func newRemovePodCommand() *cli.Command {
	return &cli.Command{
		Name:      "rmp",
		Usage:     "Remove one or more pods and their containers",
		UsageText: "ctr cri rmp [options] POD [POD...] | -a",
		Description: `Targets are resolved from one pod list. A ready (running) pod is an error unless
-f, which stops it first.`,
		Category: catPods,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "stop ready pods first"},
			allFlag("remove all pods"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := targetsOrAll(cmd, "pod"); err != nil {
				return err
			}
			force := cmd.Bool("force")
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				pods, failed, err := resolvePods(ctx, c, cmd, runtime.PodFilter{})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(pods) == 0 {
					nothingToDo(cmd, "pods")
					return nil
				}
				ready := map[string]bool{}
				ids := make([]string, len(pods))
				for i, p := range pods {
					ids[i] = p.Id
					ready[p.Id] = p.State == runtimeapi.PodSandboxState_SANDBOX_READY
				}
				return forEachSay(ctx, cmd, ids, failed, func(ctx context.Context, id string) ([]string, error) {
					var said []string
					if ready[id] {
						if !force {
							return nil, &runtime.Error{Kind: runtime.KindFailed, Op: "remove pod", ID: id, Err: errors.New("it is ready (running)"), Hint: "stop it first with stopp, or use rmp -f"}
						}
						if err := c.StopPod(ctx, id); err != nil {
							return nil, err
						}
						said = append(said, "Stopped sandbox "+id)
					}
					if err := c.RemovePod(ctx, id); err != nil {
						return said, err
					}
					return append(said, "Removed sandbox "+id), nil
				})
			})
		},
		Metadata: about(argSpec{noun: nounPods, args: argsMany},
			ex("Remove a stopped pod",
				"ctr cri rmp web"),
			ex("Stop and remove every pod",
				"ctr cri rmp -f -a"),
		),
	}
}

func newCheckpointCommand() *cli.Command {
	return &cli.Command{
		Name:      "checkpoint",
		Usage:     "Checkpoint a running container into a tar archive (needs CRIU on the node)",
		UsageText: "ctr cri checkpoint --export FILE.tar CONTAINER [CONTAINER...]",
		Description: `FILE is written by the runtime, on the node; a relative path is made absolute
here, so it means the same to both. Several containers are checkpointed one after
another into the same FILE, as crictl does: the last one written stays.`,
		Category: catContainers,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "export", Aliases: []string{"e"}, Usage: "archive to write (`FILE`.tar)", TakesFile: true},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			export := cmd.String("export")
			if export == "" {
				return usageErrorf("checkpoint needs --export FILE.tar: where the runtime writes the checkpoint")
			}
			if cmd.NArg() == 0 {
				return usageErrorf("checkpoint needs at least one container ID or name")
			}
			abs, err := filepath.Abs(export)
			if err != nil {
				return usageErrorf("invalid --export %q: %v", export, err)
			}
			return run(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, failed := split(res, containerID)
				// One at a time: every checkpoint goes to the same file.
				for _, id := range uniq(ids) {
					if err := c.CheckpointContainer(ctx, id, abs); err != nil {
						failed = append(failed, err)
						continue
					}
					fmt.Fprintln(cmd.Root().Writer, printer.Escape(id))
				}
				return errors.Join(failed...)
			})
		},
		Metadata: about(argSpec{noun: nounContainers, state: "running", args: 1},
			ex("Checkpoint a running container into an archive",
				"ctr cri checkpoint --export /var/lib/checkpoints/app.tar app"),
		),
	}
}
