// Package ddrun is the format-neutral model of a direct-debit run: what a
// pain.008 file or a direct-debit CSV file asks to collect, after parsing
// and offline validation, before anything is sent to Atlar. It mirrors
// internal/payrun (and reuses its Problem type) so that inbound can treat
// both the same way.
//
// # How the next round uses it
//
// Per Collection, in this order, each create carrying an idempotency key
// journaled before the first attempt:
//  1. the debtor's external account: GET external-accounts by
//     "external:"+Debtor.ExternalID (DebtorExternalID derives it when the
//     file names none), else create the counterparty (legalName
//     Debtor.Name, partyType Debtor.PartyType, externalId
//     Debtor.ExternalID) with its account (IBAN, BIC);
//  2. the mandate: find by Mandate.Reference (mandateReference), else
//     create with scheme Scheme, creditorReference CreditorID,
//     signatureDate Mandate.SignatureDate and externalId MandateExternalID;
//     with Mandate.Amendment set, create the amended mandate and cancel the
//     one named by Amendment.OriginalReference (Atlar has no mandate
//     update);
//  3. the direct debit: POST /payments/v2/direct-debits with amount
//     Amount/Currency, scheme Scheme, date Date, source = the debtor's
//     external account, destination = the creditor's Atlar account
//     (CreditorAccountID, or CreditorIBAN resolved through the accounts
//     API), reference Reference and externalId ExternalID.
package ddrun
