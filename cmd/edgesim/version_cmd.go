package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// unknown is shown for a build fact the binary does not carry (no VCS stamp, no build info).
const unknown = "unknown"

// versionInfo is what `edgesim version` reports. Everything comes from the binary itself
// (debug.ReadBuildInfo), so no -ldflags are needed and `go install`, `go build` and the
// Docker image all report the same way.
type versionInfo struct {
	Version  string `json:"version"`  // module version: a tag, a pseudo-version, or "(devel)"
	Module   string `json:"module"`   // module path of the main package
	Revision string `json:"revision"` // VCS commit, "unknown" when not stamped
	// CommitTime is the commit's time (vcs.time). Go records no build time, on purpose:
	// a -trimpath build of one commit is byte-for-byte reproducible.
	CommitTime string `json:"commit_time"`
	Modified   *bool  `json:"modified"` // the working tree had uncommitted changes; null when unknown
	GoVersion  string `json:"go"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
}

// readVersionInfo describes the running binary.
func readVersionInfo() versionInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionInfoFrom(bi)
}

// versionInfoFrom turns build information (nil when the binary has none) into the report.
func versionInfoFrom(bi *debug.BuildInfo) versionInfo {
	v := versionInfo{Version: "(devel)", Module: unknown, Revision: unknown, CommitTime: unknown,
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.GoVersion != "" {
		v.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				v.Revision = s.Value
			}
		case "vcs.time":
			if s.Value != "" {
				v.CommitTime = s.Value
			}
		case "vcs.modified":
			m := s.Value == "true"
			v.Modified = &m
		}
	}
	return v
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go toolchain this binary was built from",
		Long: `Print what the binary knows about its own build, read from the Go build information:
the module version ("(devel)" for a build from a working tree without a tag), the VCS commit, the
commit's time and whether the tree had uncommitted changes ("unknown" when the build was not stamped,
for example with -buildvcs=false or without a .git directory), the Go version and the platform.
Go records no build time: a -trimpath build of one commit is reproducible byte for byte.`,
		Example: `  edgesim version
  edgesim version --json
  docker run --rm edgesim:local version`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := readVersionInfo()
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			modified := unknown
			if v.Modified != nil {
				modified = fmt.Sprint(*v.Modified)
			}
			fmt.Fprintf(a.stdout, "edgesim %s\n  module:      %s\n  commit:      %s\n  commit time: %s\n  modified:    %s\n  go:          %s\n  platform:    %s/%s\n",
				v.Version, v.Module, v.Revision, v.CommitTime, modified, v.GoVersion, v.OS, v.Arch)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}
