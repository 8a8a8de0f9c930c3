package cmdutil

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// ConfigKey is one of crictl's config file options.
type ConfigKey struct {
	Name, Tag, Def, Usage string
}

// ConfigKeys are crictl's options, in crictl's order. tag is the YAML type;
// Def is what --get and --list show for an absent key: as crictl, the
// file's (zero) value, not the effective one.
var ConfigKeys = []ConfigKey{
	{"runtime-endpoint", "!!str", "", "CRI runtime endpoint"},
	{"image-endpoint", "!!str", "", "CRI image endpoint (empty: the runtime endpoint)"},
	{"timeout", "!!int", "0", "per-RPC timeout in seconds (0: 2s)"},
	{"debug", "!!bool", "false", "trace RPCs on stderr"},
	{"pull-image-on-create", "!!bool", "false", "create pulls the image (--pull always)"},
	{"disable-pull-on-run", "!!bool", "false", "run never pulls (--pull never)"},
	{"max-retries", "!!int", "0", "retries for an unreachable endpoint (negative: no limit)"},
}

// FindConfigKey is crictl's config option called name, or a usage error
// listing them.
func FindConfigKey(name string) (ConfigKey, error) {
	for _, k := range ConfigKeys {
		if k.Name == name {
			return k, nil
		}
	}
	return ConfigKey{}, UsageErrorf("no config option %q: options are %s", name, strings.Join(ConfigKeyNames(), ", "))
}

// ConfigKeyNames are the names of configKeys, in crictl's order: what
// errors list and config --get/--set complete.
func ConfigKeyNames() []string {
	names := make([]string, len(ConfigKeys))
	for i, k := range ConfigKeys {
		names[i] = k.Name
	}
	return names
}

// Normalize checks a value for key and returns it as YAML will store it.
func (k ConfigKey) Normalize(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", UsageErrorf("invalid %s %q: not UTF-8 text", k.Name, v)
	}
	switch {
	case k.Name == "max-retries":
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", UsageErrorf("invalid %s %q: want a whole number (negative: no limit)", k.Name, v)
		}
		return strconv.Itoa(n), nil
	case k.Tag == "!!int":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return "", UsageErrorf("invalid %s %q: want whole seconds (0: the default)", k.Name, v)
		}
		return strconv.Itoa(n), nil
	case k.Tag == "!!bool":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", UsageErrorf("invalid %s %q: want true or false", k.Name, v)
		}
		return strconv.FormatBool(b), nil
	}
	if v != "" {
		if _, err := runtime.ParseEndpoint(v); err != nil {
			return "", UsageErrorf("invalid %s: %v", k.Name, err)
		}
	}
	return v, nil
}
