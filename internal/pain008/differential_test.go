package pain008

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// leafRE finds simple elements: a start tag, text, its end tag.
var leafRE = regexp.MustCompile(`<([A-Za-z]+)((?:\s[^>]*)?)>([^<]*)</([A-Za-z]+)>`)

// schemaValid is the bridge's schema verdict: no XSD violation and
// well-formed.
func schemaValid(doc []byte) (bool, *Result) {
	res, err := Read(strings.NewReader(string(doc)), Options{Today: "2000-01-01"})
	if err != nil {
		panic(err)
	}
	for _, p := range res.Problems {
		if p.Code == codeFormat {
			return false, res
		}
	}
	return res.SchemaErrors == 0, res
}

// The schema verdict equals xmllint's (`xmllint --noout --nonet --schema`)
// on the corrected samples that have an XSD and on mutations of each of
// their simple elements: removed, given a 141-character or empty text,
// repeated.
func TestSchemaVerdict_MatchesXMLLint(t *testing.T) {
	lint := sharedtest.Tool(t, "xmllint", "libxml2-utils")
	for _, sc := range []struct {
		sample int
		xsd    string
		edit   func(string) string
	}{
		{0, "pain.008.003.02.xsd", nil},
		{2, "pain.008.001.02.xsd", nil},
		{3, "pain.008.001.02.xsd", nil},
		{3, "pain.008.001.02.DK.xsd", func(s string) string {
			return strings.Replace(s, `xmlns:xsi="http://www.w3.org/2001/XMLSchemainstance"`,
				`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:iso:std:iso:20022:tech:xsd:pain.008.001.02 pain.008.001.02.DK.xsd"`, 1)
		}},
		{3, "pain.008.001.08.xsd", func(s string) string {
			s = strings.ReplaceAll(s, "pain.008.001.02", "pain.008.001.08")
			return strings.ReplaceAll(strings.ReplaceAll(s, "<BIC>", "<BICFI>"), "</BIC>", "</BICFI>")
		}},
	} {
		t.Run(sc.xsd+"/"+sampleCases[sc.sample].file, func(t *testing.T) {
			base := string(corrected(t, sampleCases[sc.sample]))
			if sc.edit != nil {
				base = sc.edit(base)
			}
			docs := map[string]string{"unchanged": base}
			for i, m := range leafRE.FindAllStringSubmatchIndex(base, -1) {
				if base[m[2]:m[3]] != base[m[8]:m[9]] {
					continue
				}
				whole := base[m[0]:m[1]]
				name := base[m[2]:m[3]]
				open := "<" + name + base[m[4]:m[5]] + ">"
				docs[fmt.Sprintf("%02d-%s-removed", i, name)] = base[:m[0]] + base[m[1]:]
				docs[fmt.Sprintf("%02d-%s-long", i, name)] = base[:m[0]] + open + strings.Repeat("A", 141) + "</" + name + ">" + base[m[1]:]
				docs[fmt.Sprintf("%02d-%s-empty", i, name)] = base[:m[0]] + open + "</" + name + ">" + base[m[1]:]
				docs[fmt.Sprintf("%02d-%s-twice", i, name)] = base[:m[1]] + whole + base[m[1]:]
			}
			dir := t.TempDir()
			var files []string
			for name, doc := range docs {
				f := filepath.Join(dir, name+".xml")
				if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
			defer cancel()
			args := append([]string{"--noout", "--nonet", "--schema", sharedtest.XSD(t, sc.xsd)}, files...)
			out, err := exec.CommandContext(ctx, lint, args...).CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatalf("xmllint: %v", err)
			}
			text := string(out)
			disagree, rejected := 0, 0
			for _, f := range files {
				lintOK := strings.Contains(text, f+" validates\n")
				if !lintOK {
					rejected++
				}
				name := strings.TrimSuffix(filepath.Base(f), ".xml")
				ok, res := schemaValid([]byte(docs[name]))
				if ok != lintOK {
					disagree++
					t.Errorf("%s: bridge valid=%v (%d schema errors, %v), xmllint valid=%v", name, ok, res.SchemaErrors, res.Problems, lintOK)
				}
			}
			if !strings.Contains(text, files[0]) {
				t.Fatalf("xmllint said nothing:\n%s", text)
			}
			// The corpus has both verdicts, so agreeing is not trivial.
			if rejected == 0 || rejected == len(files) {
				t.Fatalf("xmllint rejected %d of %d documents: the mutations test nothing", rejected, len(files))
			}
			t.Logf("%d documents, %d rejected by xmllint, %d disagreements", len(files), rejected, disagree)
		})
	}
}
