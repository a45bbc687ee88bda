package pain001

// The schema rules of every supported version, generated from the XSDs in
// the shared folder beside the repository (../shared/iso20022/xsd, their
// sources in its SOURCES.md) by internal/xsd/cmd/xsdgen. Run go generate
// after adding or replacing an XSD; the generated file is committed, so
// building needs neither the XSDs nor the generator.
//
//go:generate go run ../xsd/cmd/xsdgen -pkg pain001 -o schemas_gen.go ../../../shared/iso20022/xsd/pain.001.001.02.xsd ../../../shared/iso20022/xsd/pain.001.001.03.xsd ../../../shared/iso20022/xsd/pain.001.001.05.xsd ../../../shared/iso20022/xsd/pain.001.001.08.xsd ../../../shared/iso20022/xsd/pain.001.001.09.xsd ../../../shared/iso20022/xsd/pain.001.001.10.xsd ../../../shared/iso20022/xsd/pain.001.001.11.xsd ../../../shared/iso20022/xsd/pain.001.002.03.xsd ../../../shared/iso20022/xsd/pain.001.003.03.xsd ../../../shared/iso20022/xsd/pain.001.001.03.ch.02.xsd ../../../shared/iso20022/xsd/pain.001.001.09.ch.03.xsd
