// Package parties is the format-neutral model of the ERP's vendor and
// customer master (SPEC §3.5): counterparties with one bank account each,
// keyed by the ERP's id, after parsing and offline validation. csvpay's
// ParseCounterparties produces it.
//
// # How the next round uses it
//
// Per Counterparty: GET counterparties by "external:"+ExternalID; when
// unknown, create it (legalName Name, partyType PartyType, externalId
// ExternalID, contactDetails email/address) with its external account
// (Account: IBAN, or Number + Routing on Market; BIC; currency), each
// create with an idempotency key journaled first; when known, compare and
// send a JSON Patch with If-Match = the etag as Atlar returns it, or
// nothing when equal. The result CSV (csvpay.WriteResultColumns with
// csvpay.CounterpartyResultHeader) echoes each row with status created,
// updated, unchanged or rejected, the counterparty id, the external
// account id and a reason.
package parties
