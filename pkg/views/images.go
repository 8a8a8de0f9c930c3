package views

import (
	"strconv"
	"strings"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrcri/ctrcri/pkg/printer"
	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// splitRepoTag splits "repo:tag" at the tag's colon, not a registry port's.
func splitRepoTag(rt string) (string, string) {
	i := strings.LastIndex(rt, ":")
	if i < 0 || strings.Contains(rt[i:], "/") {
		return rt, "<none>"
	}
	return rt[:i], rt[i+1:]
}

func digestOf(im *runtime.Image, repo string) string {
	for _, d := range im.RepoDigests {
		if r, dg, ok := strings.Cut(d, "@"); ok && (repo == "" || r == repo) {
			return dg
		}
	}
	return ""
}

// ImageColumns says which optional columns images shows.
type ImageColumns struct{ Digests, Pinned bool }

// Images is the images result: crictl's {"images": [...]} document and a
// table with one row per repo tag.
func Images(images []*runtime.Image, cols ImageColumns) *printer.Resource {
	ids := make([]string, len(images))
	for i, im := range images {
		ids[i] = im.Id
	}
	columns := []printer.Column{{Header: "IMAGE"}, {Header: "TAG"}}
	if cols.Digests {
		columns = append(columns, printer.Column{Header: "DIGEST", ID: true})
	}
	columns = append(columns, printer.Column{Header: "IMAGE ID", ID: true}, printer.Column{Header: "SIZE"})
	if cols.Pinned {
		columns = append(columns, printer.Column{Header: "PINNED"})
	}
	columns = append(columns, printer.Column{Header: "DIGEST", Wide: true, ID: true})
	return &printer.Resource{
		Doc:      &runtimeapi.ListImagesResponse{Images: images},
		ItemsKey: "images",
		IDs:      ids,
		Columns:  columns,
		Rows: func(emit func(...string)) {
			cells := make([]string, 0, len(columns))
			row := func(im *runtime.Image, repo, tag string) {
				dg := digestOf(im, repo)
				cells = append(cells[:0], repo, tag)
				if cols.Digests {
					cells = append(cells, dg)
				}
				cells = append(cells, im.Id, printer.Size(im.Size))
				if cols.Pinned {
					cells = append(cells, strconv.FormatBool(im.Pinned))
				}
				emit(append(cells, dg)...)
			}
			for _, im := range images {
				if len(im.RepoTags) == 0 {
					repo := "<none>"
					if len(im.RepoDigests) > 0 {
						repo, _, _ = strings.Cut(im.RepoDigests[0], "@")
					}
					row(im, repo, "<none>")
				}
				for _, rt := range im.RepoTags {
					repo, tag := splitRepoTag(rt)
					row(im, repo, tag)
				}
			}
		},
		Text: func(w *printer.TextWriter) error {
			for _, im := range images {
				w.Field("ID", im.Id)
				for _, t := range im.RepoTags {
					w.Field("RepoTags", t)
				}
				for _, d := range im.RepoDigests {
					w.Field("RepoDigests", d)
				}
				// crictl's images -v leaves zero size and unpinned out.
				if im.Size != 0 {
					w.Field("Size", im.Size)
				}
				if im.Uid != nil {
					w.Field("Uid", im.Uid.Value)
				}
				if im.Username != "" {
					w.Field("Username", im.Username)
				}
				if im.Pinned {
					w.Field("Pinned", im.Pinned)
				}
				w.Printf("\n")
			}
			return nil
		},
	}
}
