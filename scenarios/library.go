package scenarios

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed library/*.yaml library/ORDER
var libraryFS embed.FS

// OrderFile lists a folder's scenarios in the order they are shown and run, one name a line
// (# starts a comment). Without it a folder is read in file-name order.
const OrderFile = "ORDER"

// ErrNoScenario is returned by Find for a name no scenario has.
var ErrNoScenario = errors.New("scenarios: no such scenario")

// Library is the embedded training library, in the order of library/ORDER.
func Library() ([]*Scenario, error) {
	sub, err := fs.Sub(libraryFS, "library")
	if err != nil {
		return nil, err
	}
	return load(sub, "library")
}

// LoadDir reads every *.yaml (and *.yml) file of a folder, in the order of its ORDER file when it
// has one, else by file name.
func LoadDir(dir string) ([]*Scenario, error) {
	return load(os.DirFS(dir), dir)
}

// LoadFile reads one scenario file.
func LoadFile(file string) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return Parse(file, data)
}

// Find returns the scenario of that name.
func Find(list []*Scenario, name string) (*Scenario, error) {
	for _, s := range list {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoScenario, name)
}

// Family returns the scenario named name or, when there is none, the twins NAME-inbound and
// NAME-outbound that exist, in list order: "cert-wildcard" names both directions of one fault.
func Family(list []*Scenario, name string) ([]*Scenario, error) {
	if s, err := Find(list, name); err == nil {
		return []*Scenario{s}, nil
	}
	var out []*Scenario
	for _, s := range list {
		if s.Name == name+"-"+string(s.Direction) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoScenario, name)
	}
	return out, nil
}

func load(fsys fs.FS, dir string) ([]*Scenario, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // its path is ".", which says nothing
		}
		return nil, fmt.Errorf("scenarios: %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			files = append(files, n)
		}
	}
	slices.Sort(files)
	files, err = ordered(fsys, dir, files)
	if err != nil {
		return nil, err
	}
	var (
		out  []*Scenario
		errs []error
		seen = map[string]string{}
	)
	for _, f := range files {
		display := path.Join(filepath.ToSlash(dir), f)
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("scenarios: %w", err))
			continue
		}
		s, err := Parse(display, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := strings.TrimSuffix(strings.TrimSuffix(f, ".yaml"), ".yml"); s.Name != want {
			errs = append(errs, &ParseError{File: display, Key: "name", Msg: fmt.Sprintf("%q must match the file name (%s)", s.Name, want)})
			continue
		}
		if other, dup := seen[s.Name]; dup {
			errs = append(errs, &ParseError{File: display, Key: "name", Msg: fmt.Sprintf("%q is also the name of %s", s.Name, other)})
			continue
		}
		seen[s.Name] = display
		out = append(out, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ordered puts files in the order of the folder's ORDER file, which must list each exactly once.
func ordered(fsys fs.FS, dir string, files []string) ([]string, error) {
	data, err := fs.ReadFile(fsys, OrderFile)
	if errors.Is(err, fs.ErrNotExist) {
		return files, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	display := path.Join(filepath.ToSlash(dir), OrderFile)
	byName := map[string]string{}
	for _, f := range files {
		byName[strings.TrimSuffix(strings.TrimSuffix(f, ".yaml"), ".yml")] = f
	}
	var out []string
	var errs []error
	listed := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		name, _, _ := strings.Cut(sc.Text(), "#")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f, ok := byName[name]
		switch {
		case !ok:
			errs = append(errs, &ParseError{File: display, Line: n, Msg: fmt.Sprintf("%q has no file %s.yaml", name, name)})
		case listed[name]:
			errs = append(errs, &ParseError{File: display, Line: n, Msg: fmt.Sprintf("%q is listed twice", name)})
		default:
			listed[name] = true
			out = append(out, f)
		}
	}
	for _, f := range files {
		if name := strings.TrimSuffix(strings.TrimSuffix(f, ".yaml"), ".yml"); !listed[name] {
			errs = append(errs, &ParseError{File: display, Msg: fmt.Sprintf("%s is not listed: add %q where it belongs", f, name)})
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
