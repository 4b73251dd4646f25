// actionlint (github.com/rhysd/actionlint), the static checker for GitHub Actions workflows, built from its Go
// module for the tests: it checks a workflow's syntax, expressions and action inputs, and runs shellcheck on
// every `run:` script when shellcheck is on PATH.
package main

import (
	"os"

	"github.com/rhysd/actionlint"
)

func main() {
	command := actionlint.Command{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(command.Main(os.Args))
}
