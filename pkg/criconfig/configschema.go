package criconfig

import (
	"reflect"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// JSONSchemaURI is the draft the generated schemas declare.
const JSONSchemaURI = "https://json-schema.org/draft/2020-12/schema"

// PodConfigSchema returns the JSON Schema of the pod config files runp,
// run and pull --pod-config read.
func PodConfigSchema() map[string]any { return JSONSchema(&runtimeapi.PodSandboxConfig{}) }

// ContainerConfigSchema returns the JSON Schema of the container config
// files create and run read.
func ContainerConfigSchema() map[string]any { return JSONSchema(&runtimeapi.ContainerConfig{}) }

// JSONSchema describes the JSON/YAML form of a generated CRI struct, as
// LoadPodConfig and LoadContainerConfig accept it: snake_case field names,
// enums as numbers, no unknown fields. Every struct type is one entry of
// $defs, referenced by name.
func JSONSchema(v any) map[string]any {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	g := &schemaGen{defs: map[string]any{}}
	return map[string]any{
		"$schema": JSONSchemaURI,
		"$ref":    g.ref(t),
		"$defs":   g.defs,
	}
}

type schemaGen struct{ defs map[string]any }

func (g *schemaGen) ref(t reflect.Type) string {
	name := t.Name()
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = nil // placeholder: recursive types terminate here
		g.defs[name] = g.object(t)
	}
	return "#/$defs/" + name
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	if t == reflect.TypeFor[runtimeapi.KeyValue]() {
		props["key"] = map[string]any{"type": "string"}
		props["value"] = map[string]any{"type": "string"}
	} else {
		for _, f := range jsonFields(t) {
			props[f.name] = g.schema(f.typ)
		}
	}
	return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct:
		return map[string]any{"$ref": g.ref(t)}
	case isEnum(t):
		vals := reflect.Zero(t).Interface().(protoreflect.Enum).Descriptor().Values()
		nums := make([]int32, vals.Len())
		for i := range nums {
			nums[i] = int32(vals.Get(i).Number())
		}
		return map[string]any{"type": "integer", "enum": nums, "description": t.Name() + ": " + enumValues(t)}
	case t == reflect.TypeFor[[]byte]():
		return map[string]any{"type": "string", "contentEncoding": "base64"}
	case t.Kind() == reflect.Slice:
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case t.Kind() == reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case t.Kind() == reflect.String:
		return map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		return map[string]any{"type": "boolean"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return map[string]any{"type": "number"}
	case strings.HasPrefix(t.Kind().String(), "uint"):
		return map[string]any{"type": "integer", "minimum": 0}
	case strings.HasPrefix(t.Kind().String(), "int"):
		return map[string]any{"type": "integer"}
	}
	return map[string]any{}
}
