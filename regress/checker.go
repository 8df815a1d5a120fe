package regress

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/scenarios"
)

// checker collects every fault of a plan, each at the line of its key, in the scenarios' format.
type checker struct {
	file string
	root *yaml.Node
	errs []error
}

func (v *checker) add(line int, key, format string, args ...any) {
	v.errs = append(v.errs, &scenarios.ParseError{File: v.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// bad reports a fault of key at the line of its value, else of the nearest enclosing key present.
func (v *checker) bad(key, format string, args ...any) {
	v.add(v.line(key), key, format, args...)
}

func (v *checker) line(key string) int {
	for k := key; k != ""; k = parent(k) {
		if n := v.node(k); n != nil {
			return n.Line
		}
	}
	return 0
}

func parent(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

func (v *checker) node(path string) *yaml.Node    { _, n := v.lookup(path); return n }
func (v *checker) keyNode(path string) *yaml.Node { k, _ := v.lookup(path); return k }

// lookup walks a key path such as cases[2].expect.status; zone names (with dots) are not walked.
func (v *checker) lookup(path string) (key, value *yaml.Node) {
	n := v.root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		key, n = mappingValue(n, name)
		if n == nil {
			return nil, nil
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return nil, nil
			}
			key, n = n.Content[idx], n.Content[idx]
		}
	}
	return key, n
}

func mappingValue(n *yaml.Node, name string) (key, value *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
