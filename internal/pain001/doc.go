// Package pain001 reads ISO 20022 pain.001 customer credit transfer
// initiation files and checks them the way a bank would before accepting
// them, without any I/O of its own: Read takes an io.Reader and returns the
// file's header, its payments as a payrun.Run, and every problem found.
//
// Supported: pain.001.001.02, .03, .05, .08, .09, .10 and .11 in the ISO
// namespaces, the German DK variants pain.001.002.03 and pain.001.003.03,
// the Swiss SIX pain.001.001.03.ch.02 and the Swiss SPS
// pain.001.001.09.ch.03 (ISO namespace; chosen when xsi:schemaLocation
// names it); UTF-8 with or without BOM, ISO-8859-1/-15 and windows-1252;
// namespace prefixes.
//
// # Caveats
//
//   - At strict level Read checks every rule of the version's XSD in the
//     same pass (schema.go: tables generated from the XSDs by
//     internal/xsd/cmd/xsdgen), and the business rules on top by hand —
//     IBAN checksums, BICs, amounts, totals, duplicates, dates. The tests
//     hold its schema verdict (Result.SchemaErrors, FF01) equal to
//     xmllint's on every public sample and thousands of mutations
//     (differential_test.go). Not checked: the content of xs:any
//     wildcards (SplmtryData envelopes), as xmllint's lax processing.
//     Stricter than XSD 1.0, as libxml2: no white space around dates and
//     times.
//   - A DOCTYPE is accepted; one that declares entities is refused at
//     every level (entities are never expanded). xmllint accepts an
//     entity declared and never used: the one difference in verdicts.
//   - Read streams: one CdtTrfTxInf at a time. A single text node is
//     still read whole before it can be rejected (over 64 KiB);
//     Options.MaxSize bounds that.
//   - Read tokenizes UTF-8 files made of elements, attributes, text,
//     comments and processing instructions with a scanner of its own, and
//     everything else (other encodings, CDATA, DOCTYPE, any XML error)
//     with encoding/xml, from the start of the file again: that takes an
//     io.ReadSeeker, so any other reader is read with encoding/xml only,
//     about twice as slowly.
//   - EqvtAmt (an amount in the debtor's currency for a transfer in
//     another) cannot become a payment of a known amount and is reported.
//   - A past ReqdExctnDt becomes Payment.Date "" (execute today), as banks
//     treat it; the header keeps the date as written.
//   - The EndToEndId becomes Payment.ExternalID as found; whether it fits
//     Atlar's externalId pattern is for the route's mode to decide.
//   - Duplicate EndToEndIds are reported with DU04, ISO's
//     DuplicateEndToEndID (DU05 is DuplicateInstructionID).
package pain001
