package ctrd

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strconv"
	"testing"
)

func tarOf(t *testing.T, entries int, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	data := make([]byte, size)
	for i := range entries {
		if err := tw.WriteHeader(&tar.Header{Name: "blobs/" + strconv.Itoa(i), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// readAll reads the archive as the importer would: to the end of the tar
// stream.
func readAll(t *testing.T, in []byte, lim limits) error {
	t.Helper()
	r, done, err := archiveReader(bytes.NewReader(in), nil, lim)
	if err != nil {
		return err
	}
	defer done()
	tr := tar.NewReader(r)
	for {
		if _, err := tr.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return err
		}
	}
}

// F10: an archive beyond the entry count, the uncompressed size or (gzip,
// default size bound) the expansion ratio fails with a LimitError naming
// the flag that raises it; within the bounds it reads through.
func TestArchiveBounds(t *testing.T) {
	t.Parallel()
	small := tarOf(t, 10, 1000)
	for _, tc := range []struct {
		name string
		in   []byte
		lim  limits
		what string
	}{
		{"within", small, limits{maxBytes: 1 << 20, maxEntries: 10}, ""},
		{"within gzip", gz(small), limits{maxBytes: 1 << 20, maxEntries: 10, ratioFloor: 1 << 20}, ""},
		{"entries", small, limits{maxBytes: 1 << 20, maxEntries: 9}, "entries"},
		{"size", small, limits{maxBytes: 8000, maxEntries: 100}, "size"},
		{"size gzip", gz(small), limits{maxBytes: 8000, maxEntries: 100}, "size"},
		{"bomb", gz(tarOf(t, 1, 8<<20)), limits{maxBytes: 1 << 30, maxEntries: 100, ratioFloor: 1 << 20}, "expansion"},
		{"bomb, size bound raised", gz(tarOf(t, 1, 8<<20)), limits{maxBytes: 1 << 30, maxEntries: 100}, ""},
	} {
		err := readAll(t, tc.in, tc.lim)
		var le *LimitError
		switch {
		case tc.what == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.what != "" && (!errors.As(err, &le) || le.What != tc.what):
			t.Errorf("%s: err %v, want a %s LimitError", tc.name, err, tc.what)
		}
	}
	if l := (LoadOptions{}).limits(); l.maxBytes != DefaultMaxBytes || l.maxEntries != DefaultMaxEntries || l.ratioFloor == 0 {
		t.Errorf("default limits %+v", l)
	}
	if l := (LoadOptions{MaxBytes: 1 << 40}).limits(); l.ratioFloor != 0 {
		t.Errorf("an explicit --max-size keeps the expansion check: %+v", l)
	}
}
