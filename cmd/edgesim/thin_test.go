package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// maxFuncLines keeps every command a short list of calls: logic past that belongs in a library.
const maxFuncLines = 50

// The CLI parses flags, calls libraries and prints. DNS wire code lives in labdns, so cmd/edgesim
// must not import miekg/dns, and no function of it grows long enough to hide a rule.
func TestCmdStaysThin(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/miekg/dns" {
				t.Errorf("%s imports %s: DNS code belongs in labdns", name, p)
			}
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFuncLines {
				t.Errorf("%s: %s is %d lines, over %d: move its logic into a library or a named function", name, fd.Name.Name, n, maxFuncLines)
			}
		}
	}
}
