package cricli

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ctrcri/ctrcri/pkg/runtime"
)

// configKey is one of crictl's config file options.
type configKey struct {
	name, tag, def, usage string
}

// configKeys are crictl's options, in crictl's order. tag is the YAML type;
// def is what --get and --list show for an absent key: as crictl, the
// file's (zero) value, not the effective one.
var configKeys = []configKey{
	{"runtime-endpoint", "!!str", "", "CRI runtime endpoint"},
	{"image-endpoint", "!!str", "", "CRI image endpoint (empty: the runtime endpoint)"},
	{"timeout", "!!int", "0", "per-RPC timeout in seconds (0: 2s)"},
	{"debug", "!!bool", "false", "trace RPCs on stderr"},
	{"pull-image-on-create", "!!bool", "false", "create pulls the image (--pull always)"},
	{"disable-pull-on-run", "!!bool", "false", "run never pulls (--pull never)"},
	{"max-retries", "!!int", "0", "retries for an unreachable endpoint (negative: no limit)"},
}

func findConfigKey(name string) (configKey, error) {
	for _, k := range configKeys {
		if k.name == name {
			return k, nil
		}
	}
	return configKey{}, usageErrorf("no config option %q: options are %s", name, strings.Join(configKeyNames(), ", "))
}

// configKeyNames are the names of configKeys, in crictl's order: what
// errors list and config --get/--set complete.
func configKeyNames() []string {
	names := make([]string, len(configKeys))
	for i, k := range configKeys {
		names[i] = k.name
	}
	return names
}

// normalize checks a value for key and returns it as YAML will store it.
func (k configKey) normalize(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", usageErrorf("invalid %s %q: not UTF-8 text", k.name, v)
	}
	switch {
	case k.name == "max-retries":
		n, err := strconv.Atoi(v)
		if err != nil {
			return "", usageErrorf("invalid %s %q: want a whole number (negative: no limit)", k.name, v)
		}
		return strconv.Itoa(n), nil
	case k.tag == "!!int":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return "", usageErrorf("invalid %s %q: want whole seconds (0: the default)", k.name, v)
		}
		return strconv.Itoa(n), nil
	case k.tag == "!!bool":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return "", usageErrorf("invalid %s %q: want true or false", k.name, v)
		}
		return strconv.FormatBool(b), nil
	}
	if v != "" {
		if _, err := runtime.ParseEndpoint(v); err != nil {
			return "", usageErrorf("invalid %s: %v", k.name, err)
		}
	}
	return v, nil
}
