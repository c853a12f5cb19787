// Command gen writes docs/modules.md and the doc comments fjord doc
// shows: go generate ./modules runs it.
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
	comments := flag.String("comments", "", "where to write the doc comments compiled in for fjord doc (comments_gen.go)")
	flag.Parse()
	b, err := moddoc.Generate(*root)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	if *comments == "" {
		return
	}
	if b, err = moddoc.GenerateComments(*root); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*comments, b, 0o644); err != nil {
		log.Fatal(err)
	}
}
