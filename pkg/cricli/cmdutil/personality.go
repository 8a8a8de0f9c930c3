package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v3"

	"github.com/ctrcri/ctrcri/pkg/criconfig"
	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

type CrictlKey struct{}

func IsCrictlContext(ctx context.Context) bool {
	v, _ := ctx.Value(CrictlKey{}).(bool)
	return v
}

// StopUnknownAsCrictl gives stop and stopp crictl's answer to an ID that
// matches nothing: under crictl the runtime is asked anyway, and containerd
// reports success for an unknown ID, so crictl prints it and exits 0 (C15).
// The crictl personality prints it without the call; ctr cri keeps the
// not-found error.
func StopUnknownAsCrictl(cmd *cli.Command, ids []string, failed []error, op func(context.Context, string) error) ([]string, []error, func(context.Context, string) error) {
	if !IsCrictl(cmd) {
		return ids, failed, op
	}
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
	}
	var still []error
	for _, err := range failed {
		var e *runtime.Error
		if errors.As(err, &e) && e.Kind == runtime.KindNotFound && e.ID != "" && !known[e.ID] {
			ids = append(ids, e.ID)
			continue
		}
		still = append(still, err)
	}
	return ids, still, func(ctx context.Context, id string) error {
		if !known[id] {
			return nil
		}
		return op(ctx, id)
	}
}

// configOptions: crictl ignores unknown fields in pod and container
// configs (C14); its personality warns on stderr and goes on, while ctr
// cri refuses the file.
func configOptions(cmd *cli.Command) []criconfig.ConfigOptions {
	if !IsCrictl(cmd) {
		return nil
	}
	w := cmd.Root().ErrWriter
	return []criconfig.ConfigOptions{{Unknown: func(e *criconfig.ConfigError) {
		fmt.Fprintf(w, "crictl: warning: %s (ignored)\n", printer.Escape(e.Error()))
	}}}
}

// crictlIgnoresArgs: crictl's pods, runtime-config and imagefsinfo take
// no arguments and ignore any they are given (X03, C05); ctr cri calls them
// a usage error.
func crictlIgnoresArgs(cmd *cli.Command) bool {
	switch cmd.Name {
	case "pods", "runtime-config", "imagefsinfo":
		return IsCrictl(cmd)
	}
	return false
}

// crictlHints name crictl's flags: that personality has no ctr --address.
var crictlHints = runtime.Hints{
	Endpoint: "set --runtime-endpoint/-r or CONTAINER_RUNTIME_ENDPOINT",
	Timeout:  "--timeout/-t",
}

// IsCrictl reports whether cmd runs under the crictl personality.
func IsCrictl(cmd *cli.Command) bool { return cmd.Root().Name == "crictl" }
