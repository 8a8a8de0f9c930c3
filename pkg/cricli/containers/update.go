package containers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	units "github.com/docker/go-units"
	"github.com/urfave/cli/v3"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/cricli/cmdutil"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// Kernel limits of the CFS and cpu.shares knobs (cgroup v1 and v2 alike).
const (
	minCPUPeriod = 1000    // 1ms
	maxCPUPeriod = 1000000 // 1s
	minCPUQuota  = 1000
	minCPUShares = 2
	maxCPUShares = 262144
)

// NewUpdateCommand returns a fresh "update" command: update the resources of
// one or more containers.
func NewUpdateCommand() *cli.Command {
	return &cli.Command{
		Name:  "update",
		Usage: "Update the resources of one or more containers",
		Description: `Only the resources given are sent; the others keep their current value. As in
crictl, 0 means "leave unchanged" (CRI has no way to say "no limit" but -1 for the
CPU quota), and an update without resource flags changes nothing; values the
kernel would reject are refused here. --cpu-count and --cpu-maximum are Windows
resources: a Linux runtime is not sent them, as with crictl.`,
		Category: cmdutil.CatContainers,
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "cpu-count", Usage: "(Windows only) number of CPUs available to the container"},
			&cli.Int64Flag{Name: "cpu-maximum", Usage: "(Windows only) portion of CPU cycles, as a percentage * 100"},
			&cli.Int64Flag{Name: "cpu-period", Usage: "CFS period in microseconds (1000-1000000; 0: unchanged)"},
			&cli.Int64Flag{Name: "cpu-quota", Usage: "CFS quota in microseconds per period (>= 1000, or -1 for no limit; 0: unchanged)"},
			&cli.Int64Flag{Name: "cpu-share", Usage: "CPU shares, the weight against other containers (2-262144; 0: unchanged)"},
			&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPUs the container may use (e.g. 0-3,6)"},
			&cli.StringFlag{Name: "cpuset-mems", Usage: "memory nodes the container may use (e.g. 0,1)"},
			&cli.StringFlag{Name: "memory", Usage: "memory limit: bytes or binary units (512Mi, 512m, 1g, 1GiB; 0: unchanged)"},
			&cli.Int64Flag{Name: "oom-score-adj", Usage: "OOM killer score adjustment (-1000-1000)"},
		},
		Action: func(ctx context.Context, cmd *cli.Command) error {
			res, err := resourcesFrom(cmd)
			if err != nil {
				return err
			}
			return cmdutil.WithClient(ctx, cmd, func(ctx context.Context, c *runtime.Client) error {
				rr, err := c.ResolveContainers(ctx, cmd.Args().Slice())
				if err != nil {
					return err
				}
				_, ids, failed := cmdutil.Split(rr, cmdutil.ContainerID)
				return cmdutil.ForEach(ctx, cmd, ids, failed, func(ctx context.Context, id string) error {
					return c.UpdateContainerResources(ctx, id, res)
				})
			})
		},
		Metadata: cmdutil.About(cmdutil.ArgSpec{Noun: cmdutil.NounContainers, Args: cmdutil.ArgsMany, Min: 1, Synopsis: "CONTAINER [CONTAINER...]"},
			cmdutil.Ex("Limit container app to 512 MiB of memory",
				"ctr cri update --memory 512Mi app"),
			cmdutil.Ex("Give it half a CPU",
				"ctr cri update --cpu-period 100000 --cpu-quota 50000 app"),
		),
	}
}

// resourcesFrom validates the resource flags the user set; unset ones, and
// an explicit 0 as in crictl, stay zero, which CRI (and containerd) read as
// "leave as is".
func resourcesFrom(cmd *cli.Command) (*runtimeapi.LinuxContainerResources, error) {
	r := &runtimeapi.LinuxContainerResources{}
	for _, name := range []string{"cpu-count", "cpu-maximum"} {
		if v := cmd.Int64(name); v < 0 {
			return nil, cmdutil.UsageErrorf("invalid --%s %d: must not be negative", name, v)
		}
	}
	intFlag := func(name string, ok func(int64) bool, want string, dst *int64) error {
		if !cmd.IsSet(name) {
			return nil
		}
		v := cmd.Int64(name)
		if v != 0 && !ok(v) {
			return cmdutil.UsageErrorf("invalid --%s %d: want %s", name, v, want)
		}
		*dst = v
		return nil
	}
	if err := intFlag("cpu-period", func(v int64) bool { return v >= minCPUPeriod && v <= maxCPUPeriod },
		"microseconds between 1000 and 1000000", &r.CpuPeriod); err != nil {
		return nil, err
	}
	if err := intFlag("cpu-quota", func(v int64) bool { return v == -1 || v >= minCPUQuota },
		"microseconds >= 1000, or -1 for no limit", &r.CpuQuota); err != nil {
		return nil, err
	}
	if err := intFlag("cpu-share", func(v int64) bool { return v >= minCPUShares && v <= maxCPUShares },
		"shares between 2 and 262144", &r.CpuShares); err != nil {
		return nil, err
	}
	if err := intFlag("oom-score-adj", func(v int64) bool { return v >= -1000 && v <= 1000 },
		"a score between -1000 and 1000", &r.OomScoreAdj); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cpuset-cpus", &r.CpusetCpus}, {"cpuset-mems", &r.CpusetMems}} {
		if !cmd.IsSet(f.name) {
			continue
		}
		v := cmd.String(f.name)
		if err := checkCPUSet(v); err != nil {
			return nil, cmdutil.UsageErrorf("invalid --%s %q: %v", f.name, v, err)
		}
		*f.dst = v
	}
	if cmd.IsSet("memory") {
		v := cmd.String("memory")
		n, err := ParseMemory(v)
		if err != nil {
			return nil, cmdutil.UsageErrorf("invalid --memory %q: %v", v, err)
		}
		r.MemoryLimitInBytes = n
	}
	return r, nil
}

// ParseMemory reads a byte count with optional binary units, as docker and
// crictl users write them (512m, 1g) and as Kubernetes does (512Mi, 1Gi).
func ParseMemory(s string) (int64, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, fmt.Errorf("must be positive")
	}
	// go-units reads k/m/g as binary (docker's convention); accept the
	// Kubernetes spelling Ki/Mi/Gi too.
	t := strings.TrimSpace(s)
	if l := strings.ToLower(t); strings.HasSuffix(l, "i") || strings.HasSuffix(l, "ib") {
		i := strings.LastIndexAny(t, "iI")
		t = t[:i] + t[i+1:]
	}
	n, err := units.RAMInBytes(t)
	if err != nil {
		return 0, fmt.Errorf("want bytes or a size such as 512Mi, 512m, 1g")
	}
	return n, nil
}

// checkCPUSet validates the kernel's list format: "0-3,6,8-9".
func checkCPUSet(s string) error {
	if s == "" {
		return fmt.Errorf("empty list")
	}
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil {
			return fmt.Errorf("want numbers and ranges such as 0-3,6")
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 32)
			if err != nil || b < a {
				return fmt.Errorf("bad range %q", part)
			}
		}
	}
	return nil
}
