package printer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

var canonSeeds = []string{
	`{}`, `[]`, `{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"z":{"y":[{"x":null,"w":true}],"v":false}}`,
	`{"n":[0,-0,1.0,1e3,1E+3,-2.5e-7,1e21,123456789012345678901,0.000001,1e-7]}`,
	`{"s":"<b>&amp;</b>","u":"\u00e9\u2028\u2029","e":"\/\n\t\"\\","r":"é ✓","c":"\u0001"}`,
	`{"\u0062":1,"b":2,"<":3}`, " {\n \"a\" : [ 1 , 2 ] ,\t\"b\":{ } } ",
	`{"bad":"` + "\xff\xfe" + `"}`, `{"big":1e400}`, `"str"`, `12`, `null`,
	`{"pid":4242,"sandboxID":"abc","runtimeSpec":{"ociVersion":"1.2.0","process":{"args":["sleep","3600"],"env":["PATH=/usr/bin"],"user":{"uid":0,"gid":0}},"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}]}}}`,
}

// checkCanonical: what CanonicalJSON writes is what the round trip through
// json.Unmarshal and json.Marshal writes, and what it refuses the round
// trip refuses or cannot take as it is.
func checkCanonical(t *testing.T, in []byte) (fast bool) {
	t.Helper()
	got, err := CanonicalJSON(nil, in)
	var v any
	uerr := json.Unmarshal(in, &v)
	if err != nil {
		return false
	}
	if uerr != nil {
		t.Fatalf("%q: CanonicalJSON took what json.Unmarshal refuses (%v)", in, uerr)
	}
	want, merr := json.Marshal(v)
	if merr != nil {
		t.Fatal(merr)
	}
	if string(got) != string(want) {
		t.Fatalf("%q:\ngot  %s\nwant %s", in, got, want)
	}
	return true
}

func TestCanonicalJSONIsTheRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range canonSeeds {
		fast := checkCanonical(t, []byte(s))
		// Only what the round trip itself refuses, or cannot hold
		// (1e400), takes the slow way.
		if wantSlow := strings.Contains(s, "1e400"); fast == wantSlow {
			t.Errorf("%q: fast path %v", s, fast)
		}
	}
	if _, err := CanonicalJSON(nil, []byte(`{"a":1} x`)); err == nil {
		t.Error("trailing text was accepted")
	}
	deep := strings.Repeat(`{"a":`, maxCanonDepth+5) + "1" + strings.Repeat("}", maxCanonDepth+5)
	if _, err := CanonicalJSON(nil, []byte(deep)); err == nil {
		t.Error("nesting deeper than maxCanonDepth was taken")
	}
}

func FuzzCanonicalJSON(f *testing.F) {
	for _, s := range canonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkCanonical(t, in)
	})
}

// BenchmarkInfoCanonical and BenchmarkInfoRoundTrip: one pod's verbose
// info from containerd (testdata/podinfo.json, from a dev node), the work
// inspectp does per pod.
func BenchmarkInfoCanonical(b *testing.B) {
	in := podInfo(b)
	var out []byte
	for b.Loop() {
		var err error
		if out, err = CanonicalJSON(out[:0], in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInfoRoundTrip(b *testing.B) {
	in := podInfo(b)
	for b.Loop() {
		var v map[string]any
		if err := json.Unmarshal(in, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func podInfo(b *testing.B) []byte {
	in, err := os.ReadFile("testdata/podinfo.json")
	if err != nil {
		b.Fatal(err)
	}
	return in
}
