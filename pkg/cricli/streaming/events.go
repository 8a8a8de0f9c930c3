package streaming

import (
	"context"
	"strings"

	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/cricli/termui"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
	"github.com/ctrcri/ctrcri/pkg/views"
)

// NewEventsCommand returns a fresh "events" command: stream container events
// (GetContainerEvents) until Ctrl-C.
func NewEventsCommand() *cli.Command {
	return &cli.Command{
		Name:                   "events",
		UseShortOptionHandling: true,
		Aliases:                []string{"event"},
		Usage:                  "Stream container events (GetContainerEvents) until Ctrl-C",
		Description: `Prints one document per event: JSON objects one after another, YAML documents
separated by "---", or the template's output. -o table (or wide, or custom-columns)
prints one line per event under one header instead. Beyond crictl, --pod (ID prefix, name or
namespace/name), --container (ID prefix or name) and --type (created, started,
stopped, deleted; repeatable) keep only matching events. Ends with exit 0 on Ctrl-C
or when the runtime closes the stream.`,
		Category: cmdutil.CatStreaming,
		Flags: []cli.Flag{
			cmdutil.OutputFlag(printer.JSON, printer.ListFormats),
			cmdutil.TemplateFlag(),
			cmdutil.NoHeadersFlag(),
			cmdutil.NoTruncFlag(),
			&cli.StringFlag{Name: "pod", Aliases: []string{"p"}, Usage: "only events of this pod (ID prefix, name or namespace/name)"},
			&cli.StringFlag{Name: "container", Usage: "only events of this container (ID prefix or name)"},
			&cli.StringSliceFlag{Name: "type", Usage: "only events of this type: created, started, stopped or deleted (repeatable)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			// As crictl: a template with a document format is a mistake, not ignored.
			if out := cmd.String("output"); cmd.String("template") != "" && !strings.HasPrefix(out, "go-template") {
				return cmdutil.UsageErrorf("--template can't be used with %q format (use -o go-template)", out)
			}
			opts, err := cmdutil.PrinterOptions(cmd)
			if err != nil {
				return err
			}
			p, err := printer.NewLineStream(cmd.String("output"), cmdutil.CommandFormats(cmd), opts)
			if err != nil {
				return err
			}
			f := runtime.EventFilter{Pod: cmd.String("pod"), Container: cmd.String("container")}
			for _, t := range cmd.StringSlice("type") {
				et, err := runtime.ParseEventType(t)
				if err != nil {
					return &cmdutil.UsageError{Err: err}
				}
				f.Types = append(f.Types, et)
			}
			ctx, stop := termui.Interruptible(ctx)
			defer stop()
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				err := c.Events(ctx, f, func(ev *runtimeapi.ContainerEventResponse) error {
					return p.Print(cmdutil.Stdout(cmd), views.Event(ev))
				})
				if termui.Interrupted(ctx, err) {
					return nil
				}
				return err
			})
		},
		Metadata: cmdutil.WithCrictl(cmdutil.About(cmdutil.ArgSpec{CrictlHelp: cmdutil.HelpOnArity},
			cmdutil.Ex("Follow container events",
				"ctr cri events"),
			cmdutil.Ex("Watch the restarts of pod web's containers",
				"ctr cri events --pod web --type stopped"),
			cmdutil.Ex("One line per event: time, type, container, name, attempt, pod, namespace",
				"ctr cri events -o table"),
			cmdutil.Ex("Containers as they stop, with exit code and image",
				"ctr cri events -o wide --type stopped"),
		), cmdutil.CrictlSpec{Formats: []string{printer.JSON, printer.YAML, printer.GoTemplate}, Words: crictlEventsWords}),
	}
}
