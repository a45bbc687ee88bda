package pain001

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A DOCTYPE is schema-valid to xmllint and to the bridge (issue 12 item 8);
// an entity declaration is refused whether or not the entity is used:
// entities are never expanded, so that a billion laughs or an external
// entity cannot cost memory or read a file. xmllint accepts a declared,
// unused entity: the one deliberate difference in schema verdicts.
func TestRead_DoctypeEntities(t *testing.T) {
	de := readSample(t, deSample)
	withDoctype := func(t *testing.T, dt string) []byte {
		return replaceOnce(t, de, "<Document", dt+"\n<Document")
	}
	tests := []struct {
		name    string
		doctype string
		lint    bool // xmllint's verdict
		valid   bool // the bridge's
	}{
		{"plain", "<!DOCTYPE Document>", true, true},
		{"internal subset without entities", "<!DOCTYPE Document [<!ELEMENT Document ANY><!-- c -->]>", true, true},
		{"external DTD (never fetched)", `<!DOCTYPE Document SYSTEM "http://127.0.0.1:9/x.dtd">`, true, true},
		{"declared, unused entity", `<!DOCTYPE Document [<!ENTITY x "boom">]>`, true, false},
		{"external entity", `<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>`, true, false},
		{"billion laughs", `<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := withDoctype(t, tt.doctype)
			err := xmllint(t, "pain.001.001.03", doc)
			assert.Equal(t, tt.lint, err == nil, "xmllint: %v", err)
			for _, level := range []Level{LevelStrict, LevelNone} {
				res := read(t, doc, Options{Today: deToday, Level: level})
				if tt.valid {
					assert.Empty(t, res.Problems, "level %s", level)
					continue
				}
				require.Len(t, res.Problems, 1, "level %s: %v", level, res.Problems)
				p := res.Problems[0]
				assert.Equal(t, "FF01", p.Code)
				assert.Equal(t, "DOCTYPE", p.Field)
				assert.Contains(t, p.Expected, "no ENTITY declarations")
				assert.Empty(t, res.Run.Payments, "nothing is read past the DOCTYPE")
			}
		})
	}
	// Using an entity the DTD declares: xmllint's schema validation refuses
	// it too ("Processing of entities with this XML Schema processor is not
	// supported"), so the verdicts differ only for entities declared and
	// never used.
	doc := withDoctype(t, `<!DOCTYPE Document [<!ENTITY x "Creditor">]>`)
	doc = []byte(strings.Replace(string(doc), "<Nm>Creditor Name</Nm>", "<Nm>&x; Name</Nm>", 1))
	require.Error(t, xmllint(t, "pain.001.001.03", doc))
	res := read(t, doc, Options{Today: deToday})
	require.Len(t, res.Problems, 1)
	assert.Equal(t, "DOCTYPE", res.Problems[0].Field)
}
