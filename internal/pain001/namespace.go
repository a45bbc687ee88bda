package pain001

import (
	"strings"

	"github.com/atlarbridge/bridge/internal/xsd"
)

// schema describes one pain.001 namespace the reader accepts.
type schema struct {
	// version is the ISO message version the namespace follows, e.g.
	// "pain.001.001.03"; national variants keep the ISO version they restrict.
	version string
	// variant names a national variant ("DK pain.001.003.03"), "" for ISO.
	variant string
	// v is the ISO minor version number (2, 3, 5, 8, 9, 10, 11): it
	// decides element names that changed between versions (BIC/BICFI,
	// ReqdExctnDt/Dt, ...).
	v int
	// rules are the schema's rules, generated from its XSD (schemas_gen.go).
	rules *xsd.Schema
}

// schemas maps every supported document namespace to what it means.
var schemas = map[string]schema{
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.02": {version: "pain.001.001.02", v: 2, rules: schemaPain_001_001_02},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03": {version: "pain.001.001.03", v: 3, rules: schemaPain_001_001_03},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.05": {version: "pain.001.001.05", v: 5, rules: schemaPain_001_001_05},
	// .08 is what US and UK banks' CBPR+-era files use; .10 and .11 are
	// the current ISO releases.
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.08": {version: "pain.001.001.08", v: 8, rules: schemaPain_001_001_08},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09": {version: "pain.001.001.09", v: 9, rules: schemaPain_001_001_09},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.10": {version: "pain.001.001.10", v: 10, rules: schemaPain_001_001_10},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.001.11": {version: "pain.001.001.11", v: 11, rules: schemaPain_001_001_11},
	// German banks (Deutsche Kreditwirtschaft): restrictions of ISO .03
	// that legacy DE ERPs still write.
	"urn:iso:std:iso:20022:tech:xsd:pain.001.002.03": {version: "pain.001.001.03", variant: "DK pain.001.002.03", v: 3, rules: schemaPain_001_002_03},
	"urn:iso:std:iso:20022:tech:xsd:pain.001.003.03": {version: "pain.001.001.03", variant: "DK pain.001.003.03", v: 3, rules: schemaPain_001_003_03},
	// Swiss SIX Interbank Clearing: ISO .03 under its own namespace.
	"http://www.six-interbank-clearing.com/de/pain.001.001.03.ch.02.xsd": {version: "pain.001.001.03", variant: "CH SIX .ch.02", v: 3, rules: schemaPain_001_001_03_ch_02},
}

// swissV09 is the Swiss SPS 2022 restriction of pain.001.001.09. It keeps
// the ISO namespace, so a file says it is Swiss only by naming the schema
// in xsi:schemaLocation ("urn:...pain.001.001.09 pain.001.001.09.ch.03.xsd"),
// as Swiss banks' files and the SPS implementation guide do.
var swissV09 = schema{version: "pain.001.001.09", variant: "CH SPS .ch.03", v: 9, rules: schemaPain_001_001_09_ch_03}

// supportedNamespaces lists the accepted namespaces for error messages.
const supportedNamespaces = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.02/.03/.05/.08/.09/.10/.11, " +
	"DK pain.001.002.03/pain.001.003.03 or SIX pain.001.001.03.ch.02"

// ContentType returns the media type Atlar expects for a pain.001 file of
// the given ISO version, e.g. "application/vnd.iso20022.pain.001.001.03+xml"
// for "pain.001.001.03". National variants are sent as the ISO version they
// restrict (Header.Version), which is what the bank's parser keys on.
// An empty or non-pain.001 version yields "".
func ContentType(version string) string {
	if !strings.HasPrefix(version, "pain.001.") {
		return ""
	}
	return "application/vnd.iso20022." + version + "+xml"
}
