package cmdutil

import (
	"context"

	"github.com/distribution/reference"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/criconfig"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// LoadPodConfig and loadContainerConfig read config files before any RPC;
// a bad file is a usage error naming file:line:col and the field.
func LoadPodConfig(cmd *cli.Command, path string) (*runtimeapi.PodSandboxConfig, error) {
	cfg, err := criconfig.LoadPodConfig(path, configOptions(cmd)...)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	return cfg, nil
}

// LoadContainerConfig reads a container config file (YAML or JSON) into the
// CRI struct, reporting file:line:col.
func LoadContainerConfig(cmd *cli.Command, path string) (*runtimeapi.ContainerConfig, error) {
	cfg, err := criconfig.LoadContainerConfig(path, configOptions(cmd)...)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	// The runtime would refuse it only after the pod was made (run) or
	// looked up (create): a bad reference is the file's fault, say so first.
	if img := cfg.GetImage().GetImage(); img != "" {
		if _, err := reference.ParseAnyReference(img); err != nil {
			return nil, UsageErrorf("%s: image.image: invalid image reference %q: %v", path, img, err)
		}
	}
	return cfg, nil
}

// JSONSchemaCommand prints the JSON Schema of the config files a command
// reads (crictl: runp jsonschema, create jsonschema -p/-c); parent names
// that command in the examples.
func JSONSchemaCommand(parent string, defaultPod bool) *cli.Command {
	cmd := &cli.Command{
		Name:    "jsonschema",
		Aliases: []string{"js"},
		Usage:   "Print the JSON Schema of the config file (generated from this build's CRI API)",
		Action: func(ctx context.Context, cmd *cli.Command) error {
			pod, ctr := defaultPod, !defaultPod
			if HasFlag(cmd, "pod") && (cmd.Bool("pod") || cmd.Bool("container")) {
				pod, ctr = cmd.Bool("pod"), cmd.Bool("container")
			}
			p, err := printer.New(printer.JSON, []string{printer.JSON}, printer.Options{})
			if err != nil {
				return err
			}
			if pod {
				if err := p.Print(Stdout(cmd), &printer.Resource{Doc: criconfig.PodConfigSchema()}); err != nil {
					return err
				}
			}
			if ctr {
				return p.Print(Stdout(cmd), &printer.Resource{Doc: criconfig.ContainerConfigSchema()})
			}
			return nil
		},
	}
	cmd.Metadata = About(ArgSpec{},
		Ex("The schema of "+parent+"'s config file", "ctr cri "+parent+" jsonschema"))
	if !defaultPod {
		cmd.Metadata = About(ArgSpec{},
			Ex("The schema of the container config", "ctr cri "+parent+" jsonschema"),
			Ex("The schema of the pod config", "ctr cri "+parent+" jsonschema -p"))
		cmd.Usage = "Print the JSON Schema of the container config (-c, default) or the pod config (-p)"
		cmd.Flags = []cli.Flag{
			&cli.BoolFlag{Name: "pod", Aliases: []string{"p"}, Usage: "print the pod config (PodSandboxConfig) schema"},
			&cli.BoolFlag{Name: "container", Aliases: []string{"c"}, Usage: "print the container config (ContainerConfig) schema"},
		}
	}
	return cmd
}

// ConfigHelp is the help text shared by the commands that read pod and
// container config files.
const ConfigHelp = `Config files are JSON or YAML with the CRI field names (snake_case, as crictl's
examples); enums are numbers. Unknown fields, wrong types and values YAML would
silently change are errors naming file:line:col and the field (exit 2), reported
before anything is sent to the runtime. "jsonschema" prints the schema.`

// WithShortOptions turns on combined short options for c (create js -pc),
// as crictl has them.
func WithShortOptions(c *cli.Command) *cli.Command {
	c.UseShortOptionHandling = true
	return c
}
