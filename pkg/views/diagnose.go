package views

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/ctrcri/ctrcri/pkg/diagnose"
	"github.com/ctrcri/ctrcri/pkg/printer"
)

// DiagnoseFormats are the formats of ctr cri diagnose; custom-columns
// iterates the problems.
var DiagnoseFormats = []string{printer.Table, printer.JSON, printer.YAML, printer.NDJSON, printer.GoTemplate, printer.JSONPath, printer.CustomColumns}

// Diagnose renders the node report: the versioned document for scripts,
// sections of text for people, problems last so they stay on screen.
func Diagnose(r *diagnose.Report, now time.Time) *printer.Resource {
	return &printer.Resource{Doc: r, ItemsKey: "problems", Text: func(w *printer.TextWriter) error {
		errs := r.Errors()
		verdict := "healthy"
		if !r.Healthy {
			verdict = fmt.Sprintf("%d %s", errs, plural(errs, "error", "errors"))
		}
		if warns := len(r.Problems) - errs; warns > 0 {
			verdict += fmt.Sprintf(", %d %s", warns, plural(warns, "warning", "warnings"))
		}
		w.Printf("Node %s: %s\n", printer.Escape(cmp.Or(r.Node.Name, r.Endpoint)), verdict)
		if r.Node.Name != "" {
			line(w, "endpoint", r.Endpoint)
		}
		if n := r.Node; n.Kernel != "" || n.OS != "" {
			line(w, "host", strings.TrimSpace(cmp.Or(n.OS, "?")+", kernel "+cmp.Or(n.Kernel, "?")+" "+n.Arch))
		}

		v := r.Versions
		w.Printf("\nVersions:\n")
		line(w, "client", v.Client)
		line(w, "runtime", v.RuntimeName+" "+v.RuntimeVersion+" (CRI "+v.CRIAPIVersion+")")
		if v.Containerd != "" {
			line(w, "containerd", strings.TrimSpace(v.Containerd+" "+v.ContainerdRevision))
		}
		if v.Shim != "" || v.Runc != "" {
			line(w, "shim", cmp.Or(v.Shim, "?")+", runc "+cmp.Or(v.Runc, "?"))
		}
		if v.CNI != "" {
			line(w, "CNI config", v.CNI)
		}

		w.Printf("\nConditions:\n")
		for _, c := range r.Conditions {
			s := fmt.Sprint(c.Status)
			if c.Reason != "" || c.Message != "" {
				s += " (" + strings.Trim(c.Reason+": "+c.Message, ": ") + ")"
			}
			line(w, c.Type, s)
		}

		c := r.Config
		w.Printf("\nConfig:\n")
		line(w, "namespace", c.Namespace)
		line(w, "snapshotter", c.Snapshotter)
		if c.DefaultRuntime != "" {
			line(w, "runtime", c.DefaultRuntime+" ("+c.RuntimeType+")")
		}
		present := "missing"
		if c.SandboxImage.Present {
			present = "present"
		}
		line(w, "sandbox image", cmp.Or(c.SandboxImage.Ref, "(not named)")+", "+present)
		cni := "no network config"
		if c.CNI.ConfigFound {
			cni = "config found"
		}
		if c.CNI.ConfDir != "" {
			cni += " in " + c.CNI.ConfDir
		}
		if c.CNI.LoadStatus != "" && c.CNI.LoadStatus != "OK" {
			cni += " (" + c.CNI.LoadStatus + ")"
		}
		line(w, "CNI", cni)

		if len(r.ImageFilesystems)+len(r.ContainerFilesystems) > 0 {
			w.Printf("\nFilesystems:\n")
		}
		for _, set := range []struct {
			kind string
			fs   []diagnose.FsUsage
		}{{"image", r.ImageFilesystems}, {"container", r.ContainerFilesystems}} {
			for _, f := range set.fs {
				s := fmt.Sprintf("%s used, %d inodes", printer.Size(f.UsedBytes), f.InodesUsed)
				if f.CapacityBytes > 0 {
					s += fmt.Sprintf(", %s free of %s", printer.Size(f.AvailableBytes), printer.Size(f.CapacityBytes))
				}
				line(w, set.kind+" "+f.Mountpoint, s)
			}
		}

		if r.Pods.Terminated > 0 {
			w.Printf("\nPods: %d, %d ready, %d finished\n", r.Pods.Total, r.Pods.Ready, r.Pods.Terminated)
		} else {
			w.Printf("\nPods: %d, %d ready\n", r.Pods.Total, r.Pods.Ready)
		}
		for _, p := range r.Pods.NotReady {
			w.Printf("  not ready  %s/%s  %s  attempt %d, created %s\n", printer.Escape(p.Namespace), printer.Escape(p.Name), printer.TruncID(p.ID), p.Attempt, printer.Age(now, p.CreatedAt))
		}

		w.Printf("\nContainers: %d, %d running\n", r.Containers.Total, r.Containers.Running)
		for _, p := range r.Containers.Problems {
			s := p.State
			if p.ExitCode != nil {
				s += fmt.Sprintf(" (exit %d", *p.ExitCode)
				if p.Reason != "" {
					s += ", " + p.Reason
				}
				s += ")"
			}
			w.Printf("  %s  %s/%s/%s  attempt %d  %s\n", printer.TruncID(p.ID), printer.Escape(p.PodNamespace), printer.Escape(p.Pod), printer.Escape(p.Name), p.Attempt, printer.Escape(s))
			if p.Message != "" {
				w.Printf("      message: %s\n", printer.Escape(p.Message))
			}
			for _, l := range p.LogTail {
				w.Printf("      | %s\n", printer.Escape(l))
			}
			if p.LogError != "" {
				w.Printf("      log: %s\n", printer.Escape(p.LogError))
			}
		}

		w.Printf("\nOrphans: %d\n", len(r.Orphans))
		for _, o := range r.Orphans {
			w.Printf("  %s  %s  %s\n", o.Kind, printer.TruncID(o.ID), printer.Escape(o.Problem))
		}
		if len(r.MissingLogs) > 0 {
			w.Printf("\nMissing log files: %d\n", len(r.MissingLogs))
			for _, m := range r.MissingLogs {
				w.Printf("  %s  %s  %s\n", printer.TruncID(m.ID), printer.Escape(m.Name), printer.Escape(m.LogPath))
			}
		}

		if len(r.Problems) > 0 {
			w.Printf("\nProblems:\n")
			for _, p := range r.Problems {
				obj := ""
				if p.Object != "" {
					obj = printer.Escape(p.Object) + ": "
				}
				w.Printf("  %-7s  %-10s  %s%s\n", p.Severity, p.Check, obj, printer.Escape(p.Message))
			}
		}
		if len(r.Truncated) > 0 {
			w.Printf("\n(lists cut short: %s)\n", strings.Join(r.Truncated, ", "))
		}
		return nil
	}}
}

func line(w *printer.TextWriter, key, value string) {
	w.Printf("  %-14s %s\n", printer.Escape(key)+":", printer.Escape(value))
}
