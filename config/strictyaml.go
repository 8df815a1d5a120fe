package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DecodeStrictYAML decodes data into out, refusing unknown keys and wrong types.
// Every error names the file, the line and, where the line holds one, the key path,
// because a person fixing a lab file needs all three.
func DecodeStrictYAML(file string, data []byte, out any) error {
	if err := checkBounds(file, data); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(out)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	keys := keyLines(data)
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, 0, len(te.Errors))
		for _, m := range te.Errors {
			msgs = append(msgs, locate(file, m, keys))
		}
		return &FileError{File: file, Msg: strings.Join(msgs, "\n")}
	}
	return &FileError{File: file, Msg: locate(file, strings.TrimPrefix(err.Error(), "yaml: "), keys)}
}

// FileError is a configuration or scenario file that cannot be used as written.
type FileError struct {
	File string
	Msg  string
}

func (e *FileError) Error() string { return e.Msg }

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

func locate(file, msg string, keys map[int]string) string {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return file + ": " + msg
	}
	n, _ := strconv.Atoi(m[1])
	text := m[2]
	if strings.HasPrefix(text, "field ") && strings.Contains(text, " not found in type ") {
		name := strings.TrimPrefix(text[:strings.Index(text, " not found")], "field ")
		text = "unknown key " + strconv.Quote(name)
	}
	if k, ok := keys[n]; ok {
		return fmt.Sprintf("%s:%d: key %s: %s", file, n, k, text)
	}
	return fmt.Sprintf("%s:%d: %s", file, n, text)
}

// keyLines maps each line that holds a mapping key to its dotted path.
func keyLines(data []byte) map[int]string {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	out := map[int]string{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				out[k.Line] = p
				if v.Line != k.Line || v.Kind == yaml.ScalarNode {
					if _, taken := out[v.Line]; !taken {
						out[v.Line] = p
					}
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(&root, "")
	return out
}
