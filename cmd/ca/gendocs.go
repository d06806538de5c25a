//go:build gendocs

package main

import "github.com/ca-toolkit/ca/internal/docgen"

// This file is built only with -tags gendocs (make docs): the generator pulls
// in a Markdown and a YAML library that every start of ca would pay for.

const genDocsShort = "Write the CLI reference: Markdown into DIR/reference, man pages into DIR/man"

// writeDocs writes the reference of root into DIR/reference and DIR/man.
var writeDocs = docgen.Write
