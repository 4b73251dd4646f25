// composecheck loads compose files with compose-spec/compose-go, the loader Docker Compose itself uses: it
// validates them against the Compose Specification's schema, resolves anchors, merges and profiles, and prints
// the resulting project as JSON (or the loader's error on stderr, exit 1). No container engine is needed.
//
//	composecheck [-profile NAME]... FILE...
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type profiles []string

func (p *profiles) String() string     { return strings.Join(*p, ",") }
func (p *profiles) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var active profiles
	flag.Var(&active, "profile", "a profile to enable (repeatable)")
	flag.Parse()
	options, err := cli.NewProjectOptions(flag.Args(), cli.WithName("proofline"), cli.WithProfiles(active))
	if err == nil {
		var project interface{}
		project, err = options.LoadProject(context.Background())
		if err == nil {
			err = json.NewEncoder(os.Stdout).Encode(project)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
