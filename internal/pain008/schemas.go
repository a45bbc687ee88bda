package pain008

// The schema rules of every supported version, generated from the XSDs in
// the shared folder beside the repository by internal/xsd/cmd/xsdgen, as
// pain001 does. The generated file is committed, so building needs neither
// the XSDs nor the generator.
//
//go:generate go run ../xsd/cmd/xsdgen -pkg pain008 -o schemas_gen.go ../../../shared/iso20022/xsd/pain.008.001.02.xsd ../../../shared/iso20022/xsd/pain.008.001.02.DK.xsd ../../../shared/iso20022/xsd/pain.008.001.08.xsd ../../../shared/iso20022/xsd/pain.008.003.02.xsd
