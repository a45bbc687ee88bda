package inbound

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/atlarbridge/bridge/internal/state"
)

// TestDocNamesExist keeps doc.go honest: every file and identifier it sends
// a newcomer to must exist, and every state must be on its diagram. A
// rename or a new state that forgets the package documentation fails here.
func TestDocNamesExist(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)

	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{} // name → file
	for _, pkg := range pkgs {
		for path, f := range pkg.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					declared[d.Name.Name] = path
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							declared[s.Name.Name] = path
						case *ast.ValueSpec:
							for _, n := range s.Names {
								declared[n.Name] = path
							}
						}
					}
				}
			}
		}
	}

	t.Run("files", func(t *testing.T) {
		for _, m := range regexp.MustCompile(`\b([a-z]+\.go)\b`).FindAllStringSubmatch(text, -1) {
			if _, err := os.Stat(m[1]); err != nil {
				t.Errorf("doc.go names %s, which is not a file of this package", m[1])
			}
		}
	})

	// The identifiers doc.go sends a reader to, with the file it says
	// holds each one.
	names := []struct{ name, file string }{
		{"Claim", "claim.go"}, {"recheck", "claim.go"},
		{"Receive", ""}, {"Requeue", "requeue.go"}, {"Retry", "requeue.go"},
		{"advance", "advance.go"}, {"validate", "advance.go"}, {"startSubmit", "advance.go"},
		{"duplicate", "advance.go"}, {"reject", "advance.go"},
		{"BuildPlan", "plan.go"}, {"transfer", "plan.go"}, {"BatchExternalID", "plan.go"}, {"MaxBatch", "plan.go"},
		{"submit", "submit.go"}, {"createBatch", "submit.go"}, {"batchRefused", "submit.go"},
		{"submitted", "submit.go"}, {"submitInstruction", "submit.go"}, {"retryLater", "submit.go"}, {"refused", "submit.go"},
		{"redate", "redate.go"},
		{"findInstruction", "unknown.go"}, {"unresolved", "unknown.go"}, {"createdSkew", "unknown.go"},
		{"poll", "track.go"}, {"pollEvery", "track.go"}, {"sweep", "track.go"}, {"instructionFinal", "track.go"},
		{"place", "place.go"}, {"finishClaim", "place.go"}, {"Recover", "place.go"},
		{"enqueue", "pipeline.go"}, {"Journal", "pipeline.go"}, {"Atlar", "pipeline.go"},
		{"schedule", "schedule.go"}, {"Route", "route.go"},
	}
	t.Run("identifiers", func(t *testing.T) {
		for _, n := range names {
			if !regexp.MustCompile(`\b` + n.name + `\b`).MatchString(text) {
				t.Errorf("%s is in this table but doc.go no longer mentions it: drop it here", n.name)
			}
			file, ok := declared[n.name]
			switch {
			case !ok:
				t.Errorf("doc.go names %s, which this package no longer declares", n.name)
			case n.file != "" && file != n.file:
				t.Errorf("doc.go says %s is in %s, but it is in %s", n.name, n.file, file)
			}
		}
	})

	t.Run("states", func(t *testing.T) {
		for _, st := range state.States {
			if !strings.Contains(text, "│ "+padState(string(st))+" │") && !strings.Contains(text, "▶ "+string(st)) {
				t.Errorf("state %q is not on doc.go's diagram", st)
			}
		}
	})
}

// padState centres a state name in the diagram's 10-character boxes.
func padState(s string) string {
	const width = 10
	if len(s) >= width {
		return s
	}
	left := (width - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", width-len(s)-left)
}
