package criconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const podYAML = `# a pod as crictl's docs write it
metadata:
  name: web
  namespace: shop
  attempt: 1
hostname: web-1
log_directory: /tmp/logs
labels:
  app: web
  version: "1.10"
linux:
  cgroup_parent: /testpods/web
  security_context:
    namespace_options:
      network: 2
`

func TestLoadPodConfigYAML(t *testing.T) {
	t.Parallel()
	cfg, err := LoadPodConfig(writeFile(t, "pod.yaml", podYAML))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metadata.Name != "web" || cfg.Metadata.Namespace != "shop" || cfg.Metadata.Attempt != 1 {
		t.Errorf("metadata %v", cfg.Metadata)
	}
	if cfg.Metadata.Uid == "" {
		t.Error("a missing uid should be generated, as crictl does")
	}
	if cfg.Labels["version"] != "1.10" || cfg.Linux.CgroupParent != "/testpods/web" ||
		cfg.Linux.SecurityContext.NamespaceOptions.Network != runtimeapi.NamespaceMode_NODE {
		t.Errorf("decoded %v", cfg)
	}
}

func TestLoadContainerConfigJSONWithTabs(t *testing.T) {
	t.Parallel()
	doc := "{\n\t\"metadata\": {\"name\": \"box\"},\n\t\"image\": {\"image\": \"busybox\"},\n\t\"command\": [\"sleep\", \"3600\"],\n\t\"envs\": [{\"key\": \"A\", \"value\": \"1\"}],\n\t\"linux\": {\"resources\": {\"memory_limit_in_bytes\": 67108864}}\n}\n"
	cfg, err := LoadContainerConfig(writeFile(t, "c.json", doc))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metadata.Name != "box" || cfg.Image.Image != "busybox" || cfg.Image.UserSpecifiedImage != "busybox" ||
		len(cfg.Command) != 2 || string(cfg.Envs[0].Value) != "1" || cfg.Linux.Resources.MemoryLimitInBytes != 64<<20 {
		t.Errorf("decoded %v", cfg)
	}
}

func TestConfigErrorsNamePositionAndField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"unknown field", "metadata:\n  nmae: web\n  namespace: x\n",
			`pod.yaml:2:3: metadata.nmae: unknown field in PodSandboxMetadata (did you mean "name"?)`},
		{"camelCase from inspect output", "metadata: {name: a, namespace: b}\nlogDirectory: /x\n",
			`pod.yaml:2:1: logDirectory: unknown field in PodSandboxConfig (did you mean "log_directory"?)`},
		{"enum by name", "metadata: {name: a, namespace: b}\nlinux:\n  security_context:\n    namespace_options:\n      network: NODE\n",
			`pod.yaml:5:16: linux.security_context.namespace_options.network: want the number of the NamespaceMode value: NODE is 2`},
		{"enum out of range", "metadata: {name: a, namespace: b}\nlinux: {security_context: {namespace_options: {network: 9}}}\n",
			`linux.security_context.namespace_options.network: 9 is not a NamespaceMode (POD=0, CONTAINER=1, NODE=2, TARGET=3)`},
		{"quoted number", "metadata: {name: a, namespace: b, attempt: \"1\"}\n",
			`pod.yaml:1:44: metadata.attempt: want an integer, got the string "1"`},
		{"negative uint", "metadata: {name: a, namespace: b, attempt: -1}\n",
			`metadata.attempt: -1: must not be negative`},
		{"yaml 1.1 float", "metadata: {name: a, namespace: b}\nlabels:\n  version: 1.10\n",
			`pod.yaml:3:12: labels["version"]: 1.10 would be read as "1.1"; quote it to keep it as written`},
		{"yaml 1.1 bool", "metadata: {name: a, namespace: b}\nhostname: yes\n",
			`hostname: yes would be read as "true"; quote it`},
		{"object for string", "metadata: {name: a, namespace: b}\nhostname: {a: 1}\n",
			`pod.yaml:2:11: hostname: want strings, got an object`},
		{"list expected", "metadata: {name: a, namespace: b}\nport_mappings: 8080\n",
			`port_mappings: want a list of objects (PortMapping), got 8080`},
		{"duplicate", "metadata: {name: a, namespace: b}\nhostname: x\nhostname: y\n",
			`pod.yaml:3:1: hostname: set twice`},
		{"missing name", "metadata:\n  namespace: b\n",
			`pod.yaml:1:1: metadata.name: required, but not set`},
		{"missing metadata", "hostname: x\n",
			`pod.yaml: metadata.name: required, but not set`},
		{"syntax", "metadata:\n  name: a\n namespace: b\n",
			`pod.yaml:2: invalid YAML/JSON: did not find expected key`},
		{"two documents", "metadata: {name: a, namespace: b}\n---\nhostname: x\n",
			`pod.yaml:2:1: more than one YAML document`},
		{"empty", "", `pod.yaml: empty file`},
		{"top-level list", "- a\n", `pod.yaml:1:1: want an object (PodSandboxConfig), got a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "pod.yaml", tc.doc)
			_, err := LoadPodConfig(p)
			if err == nil {
				t.Fatal("accepted a bad config")
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Dir(p)+"/", "")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("got  %s\nwant %s", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
		})
	}
}

func TestContainerConfigChecksNestedKeyValuesAndRequiredImage(t *testing.T) {
	t.Parallel()
	_, err := LoadContainerConfig(writeFile(t, "c.yaml", "metadata: {name: a}\nimage: {image: busybox}\nenvs:\n- key: A\n  valu: 1\n"))
	if err == nil || !strings.Contains(err.Error(), `c.yaml:5:3: envs[0].valu: unknown field in KeyValue (did you mean "value"?)`) {
		t.Errorf("got %v", err)
	}
	_, err = LoadContainerConfig(writeFile(t, "c.yaml", "metadata: {name: a}\n"))
	if err == nil || !strings.Contains(err.Error(), "image.image: required") {
		t.Errorf("got %v", err)
	}
	_, err = LoadContainerConfig(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.Contains(err.Error(), "nope.yaml: cannot read: no such file or directory") {
		t.Errorf("got %v", err)
	}
}

func TestConfigAcceptsAnchorsMergeKeysAndCaseInsensitiveNames(t *testing.T) {
	t.Parallel()
	doc := "base: &b {name: a, namespace: b}\n"
	if _, err := LoadPodConfig(writeFile(t, "p.yaml", doc)); err == nil {
		t.Fatal("unknown top-level key 'base' accepted")
	}
	doc = "metadata:\n  <<: {name: a}\n  namespace: b\nLabels: {x: \"y\"}\n"
	cfg, err := LoadPodConfig(writeFile(t, "p.yaml", doc))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metadata.Name != "a" || cfg.Labels["x"] != "y" {
		t.Errorf("decoded %v", cfg)
	}
}

func TestJSONSchemaDescribesWhatTheLoaderAccepts(t *testing.T) {
	t.Parallel()
	s := PodConfigSchema()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Ref  string `json:"$ref"`
		Defs map[string]struct {
			Properties           map[string]map[string]any `json:"properties"`
			AdditionalProperties bool                      `json:"additionalProperties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Ref != "#/$defs/PodSandboxConfig" {
		t.Errorf("$ref %q", doc.Ref)
	}
	pod := doc.Defs["PodSandboxConfig"]
	if pod.AdditionalProperties || pod.Properties["log_directory"]["type"] != "string" {
		t.Errorf("PodSandboxConfig schema %v", pod)
	}
	nsOpts := doc.Defs["NamespaceOption"].Properties["network"]
	if nsOpts["type"] != "integer" || !strings.Contains(nsOpts["description"].(string), "NODE=2") {
		t.Errorf("enum schema %v", nsOpts)
	}
	c, _ := json.Marshal(ContainerConfigSchema())
	if !strings.Contains(string(c), `"KeyValue":{"additionalProperties":false,"properties":{"key":{"type":"string"},"value":{"type":"string"}}`) {
		t.Errorf("KeyValue.value should be a string in the schema: %s", c)
	}
}
