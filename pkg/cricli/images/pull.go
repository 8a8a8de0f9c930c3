package images

import (
	"context"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/ctrd"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// NewPullCommand returns a fresh "pull" command: pull an image from a
// registry.
func NewPullCommand() *cli.Command {
	return &cli.Command{
		Name:                   "pull",
		UseShortOptionHandling: true,
		Usage:                  "Pull an image from a registry",
		Description: cmdutil.AuthHelp + `

On a terminal, stderr shows the pull's progress while it runs: one line per
blob of the image (config and layers) with a bar, size, rate and ETA, and a
total; afterwards one line says what was pulled, how much this pull
downloaded and how long it took. Only this pull's content is counted (its
manifest's blobs, read from containerd's content store in CRI's namespace),
not other pulls running at the same time. In a pipe or a file, stderr stays
empty on success.`,
		Category: cmdutil.CatImages,
		Flags: append(cmdutil.PullAuthFlags(),
			&cli.StringFlag{Name: "pod-config", Usage: "pod config (`FILE`.json|yaml) to pull for; some runtimes pick a handler or platform from it", TakesFile: true},
			&cli.StringSliceFlag{Name: "annotation", Aliases: []string{"a"}, Usage: "annotation `KEY=VALUE` for the image (repeatable)"},
		),
		Commands: []*cli.Command{cmdutil.JSONSchemaCommand("pull", true)},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			image := cmd.Args().First()
			if _, err := reference.ParseAnyReference(image); err != nil {
				return cmdutil.UsageErrorf("invalid image reference %q: %v", image, err)
			}
			timeout, err := cmdutil.PullTimeout(cmd)
			if err != nil {
				return err
			}
			var ann map[string]string
			for _, kv := range cmd.StringSlice("annotation") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return cmdutil.UsageErrorf("invalid --annotation %q: want KEY=VALUE", kv)
				}
				if ann == nil {
					ann = map[string]string{}
				}
				ann[k] = v
			}
			var podCfg *runtimeapi.PodSandboxConfig
			if f := cmd.String("pod-config"); f != "" {
				if podCfg, err = cmdutil.LoadPodConfig(cmd, f); err != nil {
					return err
				}
			}
			auth, err := cmdutil.AuthFrom(cmd)
			if err != nil {
				return err
			}
			req := runtime.PullRequest{Image: image, Annotations: ann, Auth: auth, PodConfig: podCfg, Timeout: timeout}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				progress, done := cmdutil.PullProgress(cmd, image)
				ref, err := ctrd.Pull(ctx, c, req, progress)
				done()
				if err != nil {
					return err
				}
				fmt.Fprintf(cmdutil.Stdout(cmd), "Image is up to date for %s\n", printer.Escape(ref))
				return nil
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Rest: 1, Min: 1, Synopsis: "NAME[:TAG|@DIGEST]",
			CrictlHelp: cmdutil.HelpOnTooMany},
			cmdutil.Ex("Pull an image",
				"ctr cri pull busybox:1.36"),
			cmdutil.Ex("Pull from a private registry, the password read from standard input",
				"ctr cri pull -u robot --password-stdin registry.example.com/team/app:1.4"),
			cmdutil.Ex("Pull for the runtime handler a pod config names",
				"ctr cri pull --pod-config pod.yaml registry.example.com/team/app:1.4"),
		),
	}
}
