package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/scenarios"
)

const readmeFile = "../../README.md"

// configHeading introduces the README's configuration block: the first ```yaml fence after it.
const configHeading = "## Configuration reference"

func readReadme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeConfigBlock returns the YAML of the configuration reference.
func readmeConfigBlock(t *testing.T, readme string) string {
	t.Helper()
	_, after, ok := strings.Cut(readme, "\n"+configHeading+"\n")
	if !ok {
		t.Fatalf("README has no %q section", configHeading)
	}
	_, after, ok = strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatalf("README's %q section has no ```yaml block", configHeading)
	}
	block, _, ok := strings.Cut(after, "```")
	if !ok {
		t.Fatal("README's configuration block is not closed")
	}
	return block
}

// configKeys lists every configuration key as a dotted path from the yaml tags of config.Config:
// nested structs add a segment, a slice of structs adds "[]" to its key and goes on into the element
// (edge.federation.allowed[].domain), everything else (scalars, lists of scalars, maps, durations) is a leaf.
func configKeys(t reflect.Type, prefix []string) [][]string {
	var keys [][]string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if strings.Contains(opts, "inline") && ft.Kind() == reflect.Struct {
			keys = append(keys, configKeys(ft, prefix)...)
			continue
		}
		path := append(slices.Clone(prefix), name)
		switch {
		case ft.Kind() == reflect.Struct:
			keys = append(keys, configKeys(ft, path)...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			path[len(path)-1] += "[]"
			keys = append(keys, configKeys(ft.Elem(), path)...)
		default:
			keys = append(keys, path)
		}
	}
	return keys
}

type docLine struct {
	n       int // 1-based line in the block
	indent  int
	code    string // the line before its comment, trimmed
	comment string // the comment, without "#"
}

// parseDocLines splits the block into lines with indentation, YAML code and comment.
// A "#" starts a comment at the line start or after a blank, outside double quotes.
func parseDocLines(block string) []docLine {
	var out []docLine
	sc := bufio.NewScanner(strings.NewReader(block))
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		l := docLine{n: n, indent: len(raw) - len(strings.TrimLeft(raw, " "))}
		code, inQuote := raw, false
		for i, r := range raw {
			if r == '"' {
				inQuote = !inQuote
			}
			if r == '#' && !inQuote && (i == 0 || raw[i-1] == ' ') {
				code, l.comment = raw[:i], strings.TrimSpace(raw[i+1:])
				break
			}
		}
		l.code = strings.TrimSpace(code)
		out = append(out, l)
	}
	return out
}

// keyToken matches `name:` as a YAML key inside a line: at its start, after "- ", "{", "[", "," or a blank.
func keyToken(name string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[\s{\[,-])` + regexp.QuoteMeta(name) + `:`)
}

// documented checks that the block documents the dotted key path: each segment is a key directly
// under the previous one, at the indentation of that section's children; a key whose value is written
// on its own line (a flow mapping such as tls: {…}, or a list such as allowed: [] described in its comment)
// documents the remaining segments when they appear as `name:` on that line. The line that ends the path
// must carry a comment. It returns "" when documented, else what is missing.
func documented(lines []docLine, path []string) string {
	lo, hi := 0, len(lines)
	for i, seg := range path {
		name := strings.TrimSuffix(seg, "[]")
		childIndent := -1
		for j := lo; j < hi; j++ {
			if lines[j].code != "" {
				childIndent = lines[j].indent
				break
			}
		}
		found := -1
		re := regexp.MustCompile(`^(- )?` + regexp.QuoteMeta(name) + `:(\s|$)`)
		for j := lo; j < hi; j++ {
			if lines[j].code != "" && lines[j].indent == childIndent && re.MatchString(lines[j].code) {
				found = j
				break
			}
		}
		where := strings.Join(path[:i], ".")
		if where == "" {
			where = "the top level"
		}
		if found < 0 {
			return fmt.Sprintf("no %q key under %s", name+":", where)
		}
		l := lines[found]
		rest := path[i+1:]
		if len(rest) == 0 {
			if l.comment == "" {
				return fmt.Sprintf("line %d %q has no comment explaining it", l.n, l.code)
			}
			return ""
		}
		if value := strings.TrimSpace(strings.SplitN(l.code, ":", 2)[1]); value != "" {
			// The section is written on this line: its keys must be too, in code or comment.
			text := l.code + " # " + l.comment
			for _, r := range rest {
				if !keyToken(strings.TrimSuffix(r, "[]")).MatchString(text) {
					return fmt.Sprintf("line %d %q does not mention %q", l.n, strings.TrimSpace(l.code+" # "+l.comment), r+":")
				}
			}
			if l.comment == "" {
				return fmt.Sprintf("line %d %q has no comment explaining it", l.n, l.code)
			}
			return ""
		}
		// A block section: its children are the following lines indented deeper than it.
		lo, hi = found+1, found+1
		for hi < len(lines) && (lines[hi].code == "" || lines[hi].indent > l.indent) {
			hi++
		}
	}
	return ""
}

// Every key of config.Config is documented in the README's configuration block under its section.
func TestReadmeDocumentsEveryConfigKey(t *testing.T) {
	block := readmeConfigBlock(t, readReadme(t))
	lines := parseDocLines(block)
	keys := configKeys(reflect.TypeOf(config.Default()), nil)
	if len(keys) < 30 {
		t.Fatalf("only %d keys found by reflection: %v", len(keys), keys)
	}
	for _, k := range keys {
		if miss := documented(lines, k); miss != "" {
			t.Errorf("config key %s is not documented in README.md (%s): %s", strings.Join(k, "."), configHeading, miss)
		}
	}
}

// The check above fails when any one key's line is missing: it is run on the block with each line
// removed in turn, and must report every key that line documented.
func TestReadmeKeyCheckFailsWhenALineIsRemoved(t *testing.T) {
	block := readmeConfigBlock(t, readReadme(t))
	all := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	keys := configKeys(reflect.TypeOf(config.Default()), nil)
	covered := map[string]bool{}
	for i, line := range all {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		mutated := parseDocLines(strings.Join(slices.Delete(slices.Clone(all), i, i+1), "\n"))
		var missed []string
		for _, k := range keys {
			if documented(mutated, k) != "" {
				missed = append(missed, strings.Join(k, "."))
			}
		}
		if len(missed) == 0 {
			t.Errorf("removing line %d %q breaks no key: the check cannot see it", i+1, line)
		}
		for _, m := range missed {
			covered[m] = true
		}
	}
	for _, k := range keys {
		if !covered[strings.Join(k, ".")] {
			t.Errorf("no single line removal makes %s undocumented", strings.Join(k, "."))
		}
	}
	// A renamed key, a key moved to another section and a stripped comment are caught too.
	for _, tc := range []struct{ from, to, key string }{
		{"    profile: onprem ", "    profle: onprem ", "edge.trust.profile"},
		{"  rtp_ports: 50000-50999 ", "  rtp_port: 50000-50999 ", "edge.rtp_ports"},
		{"  timeout: 2s ", "    timeout: 2s ", "dns.timeout"},
		{"proxy_fqdn: y", "proxy: y", "edge.federation.allowed[].proxy_fqdn"},
		{"# SIP over mutual TLS (loopback unless told otherwise)", "", "edge.listen"},
	} {
		if !strings.Contains(block, tc.from) {
			t.Fatalf("README block no longer holds %q; update this test", tc.from)
		}
		mutated := parseDocLines(strings.Replace(block, tc.from, tc.to, 1))
		if documented(mutated, strings.Split(tc.key, ".")) == "" {
			t.Errorf("%q → %q: %s still counts as documented", tc.from, tc.to, tc.key)
		}
	}
}

// The block is a valid configuration with no unknown keys, and it is exactly the defaults.
func TestReadmeConfigBlockIsTheDefaults(t *testing.T) {
	block := readmeConfigBlock(t, readReadme(t))
	var got config.Config
	if err := config.DecodeStrictYAML("README.md (configuration block)", []byte(block), &got); err != nil {
		t.Fatalf("the README's configuration block is not a valid configuration: %v", err)
	}
	want := config.Default()
	if !reflect.DeepEqual(got, want) {
		g, _ := yaml.Marshal(got)
		w, _ := yaml.Marshal(want)
		gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
		var diff []string
		for _, l := range wl {
			if !slices.Contains(gl, l) {
				diff = append(diff, "  config.Default(): "+l)
			}
		}
		for _, l := range gl {
			if !slices.Contains(wl, l) {
				diff = append(diff, "  README:           "+l)
			}
		}
		t.Errorf("README's configuration block differs from config.Default():\n%s", strings.Join(diff, "\n"))
	}
}

// The README opens with the two set-up commands, unchanged.
func TestReadmeStartsWithTheSetUpCommands(t *testing.T) {
	readme := readReadme(t)
	var blocks []string
	rest := readme
	for len(blocks) < 2 {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			break
		}
		block, after2, _ := strings.Cut(after, "```")
		blocks, rest = append(blocks, strings.TrimSpace(block)), after2
	}
	if len(blocks) != 2 || blocks[0] != "go run ./cmd/edgesim run" || blocks[1] != "go test ./..." {
		t.Errorf("the first two command blocks are %q; want the set-up commands go run ./cmd/edgesim run and go test ./...", blocks)
	}
	if i, j := strings.Index(readme, "## Set up"), strings.Index(readme, "\n## "); i < 0 || i != j+1 {
		t.Errorf("## Set up must be the first section")
	}
}

// Every command of the CLI is in the README's command table.
func TestReadmeListsEveryCommand(t *testing.T) {
	readme := readReadme(t)
	_, table, ok := strings.Cut(readme, "\n## Commands\n")
	if !ok {
		t.Fatal("README has no ## Commands section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	root := (&app{ctx: context.Background()}).rootCmd()
	stack := root.Commands()
	for len(stack) > 0 {
		c := stack[0]
		stack = append(stack[1:], c.Commands()...)
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.HasSubCommands() {
			continue
		}
		row := "| `" + c.CommandPath()
		if !strings.Contains(table, row+" ") && !strings.Contains(table, row+"`") {
			t.Errorf("README's command table has no row for %q", c.CommandPath())
		}
	}
}

// The troubleshooting table names real scenarios of the library, and every scenario has its row.
func TestReadmeTroubleshootingNamesTheLibrary(t *testing.T) {
	readme := readReadme(t)
	_, section, ok := strings.Cut(readme, "\n## Troubleshooting\n")
	if !ok {
		t.Fatal("README has no ## Troubleshooting section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	lib, err := scenarios.Library()
	if err != nil {
		t.Fatalf("the scenario library does not load: %v", err)
	}
	names := map[string]bool{}
	for _, sc := range lib {
		names[sc.Name] = true
	}
	mentioned := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z0-9]+(?:-[a-z0-9]+)*-(?:inbound|outbound))`").FindAllStringSubmatch(section, -1) {
		mentioned[m[1]] = true
		if !names[m[1]] {
			t.Errorf("README's troubleshooting table names %q, which is not a scenario of the library", m[1])
		}
	}
	for _, sc := range lib {
		if !mentioned[sc.Name] {
			t.Errorf("scenario %q (%s) has no row in README's troubleshooting table", sc.Name, sc.Title)
		}
	}
	for _, row := range strings.Split(section, "\n") {
		cells := strings.Split(row, " | ")
		if strings.HasPrefix(row, "| ") && len(cells) == 3 && !strings.HasPrefix(row, "| symptom") && !strings.Contains(cells[1], "`") {
			t.Errorf("troubleshooting row without a scenario: %s", row)
		}
	}
}

// The troubleshooting table names every code of the catalogue with its reason and every Result-Code the
// Edge writes, so a trainee who reads one in a log finds the scenario and the fix.
func TestReadmeNamesEveryCatalogueRow(t *testing.T) {
	readme := readReadme(t)
	for _, r := range policy.Catalogue() {
		if !strings.Contains(readme, "`"+strconv.Itoa(r.Code)+"`") {
			t.Errorf("README never names diagnostic `%d` (%s)", r.Code, r.DiagReason)
		}
		if !strings.Contains(readme, r.Result.Hex()) {
			t.Errorf("README never names %s, the Result-Code of row %s", r.Result, r.ID)
		}
	}
}
