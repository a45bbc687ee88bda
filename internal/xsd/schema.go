// Package xsd checks XML documents against the rules of an XML Schema in
// one streaming pass: element order and cardinality (sequences and
// choices), required elements and attributes, and every simple-type facet
// ISO 20022 schemas use (length, pattern, enumeration, totalDigits,
// fractionDigits, min/max inclusive/exclusive, whiteSpace). The rules are
// Go tables generated from the XSD files by xsdgen (cmd/xsdgen), so that a
// product that reads a message checks it completely without a schema
// processor at run time (and without cgo: see the iso20022 README).
//
// The feeding reader owns tokenizing; a Validator is told each element
// start, text node and element end, and reports every violation it finds
// through a callback. It allocates nothing per token on valid input.
//
// What the tables cannot express, and so is not checked: identity
// constraints (ISO 20022 schemas have none), xsi:type substitution, and the
// content of xs:any wildcards (processContents="lax" in ISO's SplmtryData
// envelopes: any well-formed content is accepted, as xmllint does when no
// global declaration matches).
package xsd

// Builtin is the XML Schema primitive type a simple type restricts.
type Builtin uint8

// The primitive types ISO 20022 schemas derive from.
const (
	String Builtin = iota
	Decimal
	Boolean
	Date
	DateTime
	Time
	GYear
	GYearMonth
	Base64Binary
)

// Kind is the content a complex type allows.
type Kind uint8

// Content kinds.
const (
	Empty    Kind = iota // no children, no text
	Sequence             // child elements in order
	Choice               // one of the child elements (repeated up to its maxOccurs)
	Simple               // text only (a simple type or simpleContent)
)

// Unbounded is Particle.Max for maxOccurs="unbounded".
const Unbounded = -1

// Wildcard is Particle.Type for xs:any.
const Wildcard = -1

// Schema is one XSD file's rules, as generated.
type Schema struct {
	Name      string // the file's base name without .xsd, e.g. "pain.001.001.03"
	Namespace string // targetNamespace
	Root      []Particle
	Types     []Type
	Simples   []SimpleType
	Patterns  []Pattern

	matchers []*matcher // compiled Patterns, built on first use
	info     []typeInfo
	// transitions is the number of particles of all sequences: the size
	// of a Validator's transition cache.
	transitions int
}

// Type is a complex type, or a simple type used as an element's type.
type Type struct {
	Name     string
	Kind     Kind
	Children []Particle  // Sequence, Choice
	Simple   int         // Simple: index into Schema.Simples
	Attrs    []Attribute // simpleContent extensions' attributes
}

// Particle is an element declaration in a content model, or a choice
// nested in a sequence (Name "", Group its element declarations).
type Particle struct {
	Name     string
	Type     int // index into Schema.Types, or Wildcard
	Min, Max int // Max may be Unbounded
	Group    []Particle
}

// Attribute is an attribute declaration.
type Attribute struct {
	Name     string
	Simple   int // index into Schema.Simples
	Required bool
}

// SimpleType is a simple type with the facets of its whole derivation
// chain folded in. Absent numeric facets are -1, absent bounds "".
type SimpleType struct {
	Name                         string
	Base                         Builtin
	Length, MinLength, MaxLength int
	// Patterns are indexes into Schema.Patterns; each must match (one per
	// derivation step; the patterns of one step are already alternatives
	// of one Pattern).
	Patterns                    []int
	Enum                        []string
	TotalDigits, FractionDigits int
	MinInclusive, MaxInclusive  string
	MinExclusive, MaxExclusive  string
}

// Pattern is an XSD pattern facet and its translation.
type Pattern struct {
	XSD string // as written in the schema, for messages
	// Go is the same language in Go regexp syntax: anchored, every
	// character class spelled out as code point ranges (XSD's \d, \p{IsX}
	// blocks and class subtraction have no Go equivalent).
	Go string
}
