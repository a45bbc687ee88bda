package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/atlarbridge/bridge/internal/sharedtest"
)

// Every ISO 20022 schema in the shared folder compiles — pain.001, and
// the pain.002, pain.008 and camt schemas the other readers and writers
// can check themselves against — with every pattern translated.
func TestGenerate_AllSharedSchemas(t *testing.T) {
	xsds, err := filepath.Glob(sharedtest.XSD(t, "*.xsd"))
	require.NoError(t, err)
	require.NotEmpty(t, xsds)
	for _, f := range xsds {
		_, err := compileFile(f)
		assert.NoError(t, err, filepath.Base(f))
	}
}

// The committed pain001 tables are what go generate makes from the XSDs
// today: an XSD replaced without regenerating fails here.
func TestGenerate_Pain001UpToDate(t *testing.T) {
	dir := filepath.Join(sharedtest.RepoRoot(t), "internal", "pain001")
	src, err := os.ReadFile(filepath.Join(dir, "schemas.go"))
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^//go:generate go run \S+ -pkg (\S+) -o (\S+) (.*)$`).FindSubmatch(src)
	require.NotNil(t, line, "go:generate line in pain001/schemas.go")
	var files []string
	for _, f := range strings.Fields(string(line[3])) {
		files = append(files, filepath.Join(dir, f))
	}
	got, err := generate(string(line[1]), files)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(dir, string(line[2])))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "run go generate ./internal/pain001")
}

func TestCompile_Unsupported(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"anon":   `<xs:element name="D"><xs:complexType/></xs:element>`,
		"facet":  `<xs:element name="D" type="T"/><xs:simpleType name="T"><xs:restriction base="xs:string"><xs:whiteSpace value="collapse"/></xs:restriction></xs:simpleType>`,
		"regex":  `<xs:element name="D" type="T"/><xs:simpleType name="T"><xs:restriction base="xs:string"><xs:pattern value="\i+"/></xs:restriction></xs:simpleType>`,
		"group":  `<xs:element name="D" type="T"/><xs:complexType name="T"><xs:sequence><xs:sequence><xs:element name="A" type="xs:string"/></xs:sequence></xs:sequence></xs:complexType>`,
		"nested": `<xs:element name="D" type="T"/><xs:complexType name="T"><xs:sequence><xs:choice maxOccurs="2"><xs:element name="A" type="xs:string"/></xs:choice></xs:sequence></xs:complexType>`,
	} {
		f := filepath.Join(dir, name+".xsd")
		doc := `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" xmlns="urn:t" elementFormDefault="qualified">` + body + `</xs:schema>`
		require.NoError(t, os.WriteFile(f, []byte(doc), 0o600))
		_, err := compileFile(f)
		assert.Error(t, err, name)
	}
}
