// Command gen writes docs/modules.md: go generate ./modules runs it.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/fjord-run/fjord/internal/moddoc"
)

func main() {
	root := flag.String("root", ".", "the repository's root")
	out := flag.String("o", "docs/modules.md", "the file to write")
	flag.Parse()
	b, err := moddoc.Generate(*root)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
