package config

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// A configuration (or scenario, or plan) file is a few kilobytes written by a person. Some YAML
// costs the decoder far more than its size: go.yaml.in/yaml/v3 takes seconds on ten thousand nested
// "[" and alias chains expand exponentially ("billion laughs"). A broken or malicious file must be
// refused at once, naming the file, so these bounds are checked before decoding.
const (
	maxFileBytes  = 1 << 20 // 1 MiB
	maxNesting    = 64      // flow brackets open at once, or block indentation in columns / 2
	maxIndent     = 2 * maxNesting
	maxAliasNodes = 100_000 // nodes after every alias is expanded
)

// checkBounds refuses a document that would be slow to decode.
func checkBounds(file string, data []byte) error {
	if len(data) > maxFileBytes {
		return &FileError{File: file, Msg: fmt.Sprintf("%s: %d bytes: more than the %d a file may have", file, len(data), maxFileBytes)}
	}
	if line, ok := tooDeep(data); !ok {
		return &FileError{File: file, Msg: fmt.Sprintf("%s:%d: nested deeper than %d levels", file, line, maxNesting)}
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil // the decoder's own error, with its line, is the better answer
	}
	if n := expandedNodes(&root, map[*yaml.Node]int{}, 0); n > maxAliasNodes {
		return &FileError{File: file, Msg: fmt.Sprintf("%s: aliases expand to more than %d nodes", file, maxAliasNodes)}
	}
	return nil
}

// tooDeep scans for flow brackets open at once and for deep block indentation; it reports the
// first offending line and false. Brackets inside quoted or block scalars count too: a person's
// file has no need of 64 unclosed ones.
func tooDeep(data []byte) (int, bool) {
	depth := 0
	for i, line := range bytes.Split(data, []byte("\n")) {
		if indent := len(line) - len(bytes.TrimLeft(line, " ")); indent > maxIndent {
			return i + 1, false
		}
		for _, c := range line {
			switch c {
			case '[', '{':
				if depth++; depth > maxNesting {
					return i + 1, false
				}
			case ']', '}':
				depth = max(depth-1, 0)
			}
		}
	}
	return 0, true
}

// expandedNodes counts the nodes under n as the decoder would see them, each alias standing for
// its anchor's whole subtree; it stops counting once past the bound. seen memoises subtrees.
func expandedNodes(n *yaml.Node, seen map[*yaml.Node]int, depth int) int {
	if n == nil || depth > maxNesting*2 {
		return 1
	}
	if c, ok := seen[n]; ok {
		return c
	}
	total := 1
	if n.Kind == yaml.AliasNode {
		total += expandedNodes(n.Alias, seen, depth+1)
	}
	for _, c := range n.Content {
		if total += expandedNodes(c, seen, depth+1); total > maxAliasNodes {
			break
		}
	}
	seen[n] = total
	return total
}
