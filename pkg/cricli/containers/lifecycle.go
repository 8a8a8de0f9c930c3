package containers

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// pullModes are the values of --pull.
var pullModes = []string{"missing", "always", "never"}

func pullPolicyFlags(def, what string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "pull", Usage: "pull the image: missing (only when absent), always, never (default: " + def + what + ")",
			Validator: cmdutil.OneOf("pull", pullModes)},
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
		return "", cmdutil.UsageErrorf("--pull, --with-pull and --no-pull contradict each other: give one")
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
		progress, done := cmdutil.PullProgress(cmd, spec.Image)
		_, err := ctrd.Pull(ctx, c, runtime.PullRequest{Image: spec.Image, Annotations: spec.Annotations, Auth: auth, PodConfig: podCfg, Timeout: timeout}, progress)
		done()
		if err != nil {
			return err
		}
	}
	return nil
}

// createOptions are what create and run read before any RPC.
type createOptions struct {
	ctrCfg      *runtimeapi.ContainerConfig
	podCfg      *runtimeapi.PodSandboxConfig
	pull        string
	auth        *runtimeapi.AuthConfig
	pullTimeout time.Duration
}

// readCreateOptions reads the container and pod config files, then the pull
// policy (def unless crictl's config file or a flag says otherwise),
// registry credentials and pull timeout.
func readCreateOptions(cmd *cli.Command, ctrPath, podPath, def string, configKey func(*cmdutil.CrictlConfig) string) (*createOptions, error) {
	o := &createOptions{}
	var err error
	if o.ctrCfg, err = cmdutil.LoadContainerConfig(cmd, ctrPath); err != nil {
		return nil, err
	}
	if o.podCfg, err = cmdutil.LoadPodConfig(cmd, podPath); err != nil {
		return nil, err
	}
	cfg, _, err := cmdutil.LoadConfig(cmd)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if d := configKey(cfg); d != "" {
			def = d
		}
	}
	if o.pull, err = pullPolicy(cmd, def); err != nil {
		return nil, err
	}
	if o.pullTimeout, err = cmdutil.PullTimeout(cmd); err != nil {
		return nil, err
	}
	if o.auth, err = cmdutil.AuthFrom(cmd); err != nil {
		return nil, err
	}
	return o, nil
}

// NewCreateCommand returns a fresh "create" command: create a container in a
// pod from a container config and the pod's config; print its ID.
func NewCreateCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "Create a container in a pod from a container config and the pod's config; print its ID",
		Description: `POD is a pod ID, unique ID prefix, name or namespace/name. The image is pulled
only when the runtime lacks it, unless --pull says otherwise (crictl's config
key pull-image-on-create: true means --pull always).

` + cmdutil.ConfigHelp,
		Category: cmdutil.CatContainers,
		Flags:    append(append(pullPolicyFlags("missing", "; always with pull-image-on-create: true"), cmdutil.PullAuthFlags()...), cmdutil.CancelTimeoutFlag()),
		Commands: []*cli.Command{cmdutil.WithShortOptions(cmdutil.JSONSchemaCommand("create", false))},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			args := cmd.Args().Slice()
			o, err := readCreateOptions(cmd, args[1], args[2], "missing", func(c *cmdutil.CrictlConfig) string {
				if c.PullImageOnCreate {
					return "always"
				}
				return ""
			})
			if err != nil {
				return err
			}
			ctx, err = cmdutil.RPCContext(ctx, cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolvePods(ctx, args[:1])
				if err != nil {
					return err
				}
				if res[0].Err != nil {
					return res[0].Err
				}
				if err := ensureImages(ctx, cmd, c, o.pull, o.ctrCfg, o.podCfg, o.auth, o.pullTimeout); err != nil {
					return err
				}
				id, err := c.CreateContainer(ctx, res[0].Item.Id, o.ctrCfg, o.podCfg)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmdutil.Stdout(cmd), printer.Escape(id))
				return nil
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounPods, State: "ready", Args: 1, Files: 2, Min: 3,
			Synopsis: "POD CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Create a container in the ready pod web",
				"ctr cri create web container.yaml pod.yaml"),
			cmdutil.Ex("Create it without pulling the image",
				"ctr cri create --pull never web container.yaml pod.yaml"),
		),
	}
}

// NewRunCommand returns a fresh "run" command: run a pod and a container in
// it (runp + pull + create + start); print the container ID.
func NewRunCommand() *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "Run a pod and a container in it (runp + pull + create + start); print the container ID",
		Description: `As crictl, the image is pulled every time (refreshing a moved tag), unless --pull
says otherwise (--pull missing pulls only an absent image; crictl's config key
disable-pull-on-run: true means --pull never). When a step after the pod started
fails, the pod is stopped and removed again.

` + cmdutil.ConfigHelp,
		Category: cmdutil.CatContainers,
		Flags:    append(append(append(pullPolicyFlags("always", "; never with disable-pull-on-run: true"), cmdutil.PullAuthFlags()...), cmdutil.CancelTimeoutFlag()), cmdutil.RuntimeHandlerFlag()),
		Commands: []*cli.Command{cmdutil.WithShortOptions(cmdutil.JSONSchemaCommand("run", false))},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			o, err := readCreateOptions(cmd, cmd.Args().Get(0), cmd.Args().Get(1), "always", func(c *cmdutil.CrictlConfig) string {
				if c.DisablePullOnRun {
					return "never"
				}
				return ""
			})
			if err != nil {
				return err
			}
			ctx, err = cmdutil.RPCContext(ctx, cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				podID, err := c.RunPod(ctx, o.podCfg, cmd.String("runtime"))
				if err != nil {
					return err
				}
				id, err := func() (string, error) {
					if err := ensureImages(ctx, cmd, c, o.pull, o.ctrCfg, o.podCfg, o.auth, o.pullTimeout); err != nil {
						return "", err
					}
					id, err := c.CreateContainer(ctx, podID, o.ctrCfg, o.podCfg)
					if err != nil {
						return "", err
					}
					return id, c.StartContainer(ctx, id)
				}()
				if err != nil {
					if uerr := cmdutil.UndoPod(ctx, c, podID); uerr != nil {
						return errors.Join(err, uerr)
					}
					return fmt.Errorf("%w (the pod it started was removed again)", err)
				}
				fmt.Fprintln(cmdutil.Stdout(cmd), printer.Escape(id))
				return nil
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Files: 2, Min: 2, Synopsis: "CONTAINER-CONFIG.json|yaml POD-CONFIG.json|yaml", CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Run a pod, pull the image, create and start the container; print its ID",
				"ctr cri run container.yaml pod.yaml"),
			cmdutil.Ex("The same with the image already on the node",
				"ctr cri run --pull missing container.yaml pod.yaml"),
		),
	}
}

// NewStartCommand returns a fresh "start" command: start one or more created
// containers.
func NewStartCommand() *cli.Command {
	return &cli.Command{
		Name:      "start",
		Usage:     "Start one or more created containers",
		UsageText: "ctr cri start CONTAINER [CONTAINER...]",
		Category:  cmdutil.CatContainers,
		Action: func(ctx context.Context, cmd *cli.Command) error {
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, failed := cmdutil.Split(res, cmdutil.ContainerID)
				return cmdutil.ForEach(ctx, cmd, ids, failed, c.StartContainer)
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, State: "created", Args: cmdutil.ArgsMany, Min: 1, Synopsis: "CONTAINER [CONTAINER...]"},
			cmdutil.Ex("Start a created container",
				"ctr cri start app"),
		),
	}
}

// NewStopCommand returns a fresh "stop" command: stop one or more running
// containers.
func NewStopCommand() *cli.Command {
	return &cli.Command{
		Name:                   "stop",
		UseShortOptionHandling: true,
		Usage:                  "Stop one or more running containers",
		UsageText:              "ctr cri stop [options] CONTAINER [CONTAINER...] | -a",
		Description:            "An unknown container is an error (crictl ignores it). Each stopped container's ID is printed. On a terminal, a container still stopping after a second is shown on stderr until it is stopped.",
		Category:               cmdutil.CatContainers,
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "timeout", Aliases: []string{"t"}, Usage: "seconds to wait after SIGTERM before killing (0: kill at once)"},
			cmdutil.AllFlag("stop all running containers"),
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			if err := cmdutil.TargetsOrAll(cmd, "container"); err != nil {
				return err
			}
			grace := cmd.Int64("timeout")
			if grace < 0 {
				return cmdutil.UsageErrorf("invalid --timeout %d: seconds must not be negative", grace)
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				ids, failed, err := cmdutil.PickContainers(ctx, c, cmd, runtime.ContainerFilter{State: "running"})
				if err != nil {
					return err
				}
				if cmd.Bool("all") && len(ids) == 0 {
					// crictl says so on stdout; scripts grep for it.
					fmt.Fprintln(cmdutil.Stdout(cmd), "No running containers found.")
					return nil
				}
				ids, failed, op := cmdutil.StopUnknownAsCrictl(cmd, ids, failed, func(ctx context.Context, id string) error {
					return c.StopContainer(ctx, id, grace)
				})
				why := "waiting for it to exit"
				if grace > 0 {
					why = fmt.Sprintf("waiting for it to exit (killed %ds after SIGTERM)", grace)
				}
				describe := func(id string) (string, string) { return "Stopping container " + printer.TruncID(id), why }
				return cmdutil.ForEachSayWaiting(ctx, cmd, ids, failed, describe, func(ctx context.Context, id string) ([]string, error) {
					if err := op(ctx, id); err != nil {
						return nil, err
					}
					return []string{id}, nil
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, State: "running", Args: cmdutil.ArgsMany, Synopsis: "CONTAINER [CONTAINER...]"},
			cmdutil.Ex("Stop container app, killing it after 10 seconds",
				"ctr cri stop -t 10 app"),
			cmdutil.Ex("Stop every running container",
				"ctr cri stop -a"),
		),
	}
}

// NewCheckpointCommand returns a fresh "checkpoint" command: checkpoint a
// running container into a tar archive (needs CRIU on the node).
func NewCheckpointCommand() *cli.Command {
	return &cli.Command{
		Name:                   "checkpoint",
		UseShortOptionHandling: true,
		Usage:                  "Checkpoint a running container into a tar archive (needs CRIU on the node)",
		UsageText:              "ctr cri checkpoint --export FILE.tar CONTAINER [CONTAINER...]",
		Description: `FILE is written by the runtime, on the node; a relative path is made absolute
here, so it means the same to both. Several containers are checkpointed one after
another into the same FILE, as crictl does: the last one written stays.`,
		Category: cmdutil.CatContainers,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "export", Aliases: []string{"e"}, Usage: "archive to write (`FILE`.tar)", TakesFile: true},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			export := cmd.String("export")
			if export == "" {
				return cmdutil.UsageErrorf("checkpoint needs --export FILE.tar: where the runtime writes the checkpoint")
			}
			abs, err := filepath.Abs(export)
			if err != nil {
				return cmdutil.UsageErrorf("invalid --export %q: %v", export, err)
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				res, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, failed := cmdutil.Split(res, cmdutil.ContainerID)
				// One at a time: every checkpoint goes to the same file.
				for _, id := range cmdutil.Uniq(ids) {
					if err := c.CheckpointContainer(ctx, id, abs); err != nil {
						failed = append(failed, err)
						continue
					}
					fmt.Fprintln(cmdutil.Stdout(cmd), printer.Escape(id))
				}
				return errors.Join(failed...)
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, State: "running", Args: cmdutil.ArgsMany, Min: 1, Synopsis: "CONTAINER [CONTAINER...]"},
			cmdutil.Ex("Checkpoint a running container into an archive",
				"ctr cri checkpoint --export /var/lib/checkpoints/app.tar app"),
		),
	}
}
