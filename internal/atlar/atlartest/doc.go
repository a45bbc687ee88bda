// Package atlartest is an in-memory fake of the parts of Atlar's API that
// the bridge uses. It powers the tests of every package that talks to
// Atlar and the embedded sandbox of `bridge demo`, so it runs both under
// httptest (NewTest) and on a real listener (New(...).Handler()).
//
// It is deterministic: nothing happens in the background. Every
// time-based behaviour (token expiry, batch and payment progress,
// instruction status, statement closing, idempotency key expiry) is
// computed from Options.Clock when a request or an inspection method looks
// at it, so tests drive it with clockwork's fake clock. Faults are drawn
// from a math/rand generator seeded by Faults.Seed.
//
// # Endpoints
//
//	POST /iam/v2beta/oauth2/token                            client_credentials + HTTP Basic
//	GET  /financial-data/v2/accounts[/{id}]
//	GET  /payments/v2/external-accounts[/{id|external:x}]
//	GET  /payments/v2/counterparties[/{id|external:x}]
//	POST /payments/v2/counterparties                         with embedded accounts
//	PATCH /payments/v2/counterparties/{id|external:x}        JSON Patch, If-Match
//	GET  /payments/v2/external-accounts?counterpartyId=…
//	POST /payments/v2/external-accounts
//	POST /payments/v2/mandates
//	GET  /payments/v2/mandates[?externalAccountId&counterpartyId&status&scheme]
//	GET  /payments/v2/mandates/{id|external:x}[/events]
//	POST /payments/v2/mandates/{id|external:x}:cancel        If-Match
//	POST /payments/v2/direct-debits
//	GET  /payments/v2/direct-debits[?accountId&status&date&scheme]
//	GET  /payments/v2/direct-debits/{id|external:x}[/events]
//	POST /payments/v2/direct-debits/{id|external:x}:approve|:reject   If-Match
//	POST /payments/v2beta/credit-transfer-batches            JSON or multipart (JSON file)
//	GET  /payments/v2beta/credit-transfer-batches[/{id|external:x}]
//	GET  /payments/v2beta/credit-transfer-batches/{id}/results
//	POST /payments/v2/credit-transfer-batches/{id}:approve|:reject
//	GET  /payments/v2/credit-transfers[?batchId&accountId&status&date…]
//	GET  /payments/v2/credit-transfers/{id|external:x}
//	POST /payments/v2/credit-transfers/{id}:approve|:reject
//	GET  /connectivity/v2beta/connections[/{cid}]
//	GET  /connectivity/v2beta/connections/{cid}/reports[/{rid}]
//	GET  /connectivity/v2beta/connections/{cid}/reports/{rid}/content?format=…[&externalIdAsEndToEndId=true]
//	POST /connectivity/v2beta/connections/{cid}/instructions
//	GET  /connectivity/v2beta/connections/{cid}/instructions[/{id}]
//
// Every response carries a Request-Id header. Errors use Atlar's body
// {status, message, details[{code, error, field}]}; the token endpoint uses
// OAuth2's {error, error_description}. Lists use the ListResponse envelope;
// a page holds at most Options.PageSize items (default 2) whatever the
// limit, and nextToken is "" only on the last page.
//
// # Lifecycles (one step = Options.BatchStep, PaymentStep, InstructionStep)
//
//   - Batch: CREATED → PROCESSING_STARTED → COMPLETED. Records are
//     processed when the batch reaches COMPLETED: each becomes a payment or
//     a record error (in the batch's errors, field "payments.N.…", and in
//     /results with a 0-based recordIndex). Record errors: unknown source
//     account, unknown destination account, source currency ≠ amount
//     currency, payment externalId already used (by any earlier resource,
//     including an earlier record of the same batch), and MagicInvalid.
//   - Payment: APPROVED → PENDING_SUBMISSION → SENT → EXECUTED (or the
//     outcome a magic value chose), starting when its batch completed (or
//     when it was approved).
//   - Instruction: CREATED → SENT → ACCEPTED (or REJECTED).
//   - Mandate (one step = PaymentStep): CREATED → SENT → ACTIVE (ACTIVE at
//     once when created with active=true; FAILED instead of ACTIVE with
//     "REJECT" in the mandateReference); :cancel makes it CANCELLED at once
//     (a second :cancel answers it unchanged). Version = statuses reached.
//   - Direct debit: CREATED → APPROVED → PENDING_SUBMISSION → SENT →
//     EXECUTED (or the magic outcome), one PaymentStep apart; one waiting
//     for approval stays CREATED until :approve (then APPROVED onwards) or
//     :reject (REJECTED at once). Events: one per status reached (CREATED
//     for the first, UPDATED named after the new status).
//   - Counterparty / external account: version 1 at creation; each PATCH of
//     a counterparty adds 1. The etag is "version:N" in the body.
//   - Statements: SeedDays daily statements per account are seeded at New.
//     When reports are listed, each account with lines not yet booked first
//     gets a new statement (date = the clock's today, UTC) booking them as
//     debits PMNT/ICDT/ESCT (and EXECUTED direct debits as credits
//     PMNT/RDDT/ESDD, BBDD for SDD_B2B, on their destination account, with
//     the mandate reference and EndToEndId = the debit's externalId):
//     EXECUTED payments (EndToEndId = the payment's
//     externalId when the content is asked with externalIdAsEndToEndId=true,
//     else NOTPROVIDED), and the transactions of ACCEPTED instructions whose
//     pain.001 debtor IBAN is a seeded account (EndToEndId from the file).
//     Balances chain: each statement opens at the previous one's closing
//     balance, and opening + credits − debits = closing.
//
// # Magic values
//
//   - payment reference containing "INVALID" (MagicInvalid): record error
//     on payments.N.reference; no payment is created.
//   - payment reference containing "REJECT" (MagicReject): the payment ends
//     REJECTED instead of EXECUTED, with returnReason {code "AC04",
//     description "Closed account number"}.
//   - payment reference containing "APPROVAL" (MagicApproval): the payment
//     stays CREATED with a PENDING approval step until Server.Approve (or
//     the :approve endpoint); Server.Reject makes it REJECTED. Under
//     treatment BATCH the batch's approval step is PENDING meanwhile.
//   - payment amount value 99999 (MagicFailedAmount, 999.99): the payment
//     ends FAILED, with returnReason {code "BANK-TIMEOUT"} (not an ISO code).
//   - direct debits use the same magic as payments: reference "REJECT" →
//     REJECTED (returnReason MD01), "APPROVAL" → waits for approval,
//     amount value 99999 → FAILED (returnReason AM04).
//   - mandateReference containing "REJECT": the mandate ends FAILED and
//     cannot collect.
//   - instruction file containing "REJECT-INSTRUCTION"
//     (MagicRejectInstruction): the instruction ends REJECTED with a message.
//
// # Faults
//
// Server.SetFaults switches latency, 5xx, 429 (with Retry-After), 425,
// connection resets, and lost responses (the effect is applied, then the
// connection is reset) on matching requests; Server.Down answers 503 to
// everything; Server.ExpireTokens invalidates every token. Latency is REAL
// time, not the injected clock: it exists to make a client's per-attempt
// timeout fire. It ends early when the request's context is cancelled, and
// the request is then dropped without effect.
//
// # Assumptions (not verified against the real API)
//
//   - Idempotency-Key on POST creates (batches, instructions, approvals,
//     counterparties, external accounts, mandates, direct debits) is
//     a bridge extension we assume Atlar honours; Atlar documents none. A
//     repeated key with the same method, path and body replays the stored
//     answer (same status and body, new Request-Id, header
//     Idempotent-Replayed: true); with a different body it gets 422; while
//     the first request is still in flight (see Faults.Latency) it gets
//     425. Multipart bodies are compared part by part, so a retry with a
//     new boundary is the same request. 5xx answers are not stored. Keys
//     expire 24h after first use. The Request-Id header name is assumed too.
//   - 425 and 429 (with Retry-After in seconds) are not documented by
//     Atlar; the fake only sends them as injected faults.
//   - The connectivity API (connections, reports, report content,
//     instructions) is not in the public spec: its JSON shapes are the ones
//     in package atlar (Connection, Report, Instruction). Reports have type
//     "STATEMENT", statementType "END_OF_DAY" and one account each; they
//     are listed oldest first. The instruction upload is multipart/form-data
//     with parts file and fileContentType
//     (application/vnd.iso20022.pain.001.001.NN+xml).
//   - Bank reporting ([[reports]]: MT940, BAI2, CSV, camt.054) is rendered by the
//     bridge from the statement content (camt.053) of each report, so the
//     formats agree with the camt.053 by construction. Assumed of Atlar:
//     one report is one account's statement (a single Stmt) whose OPBD
//     plus its entries is its CLBD (CLAV, when present, is the closing
//     available balance); with externalIdAsEndToEndId=true every entry
//     booked from a payment the bridge submitted carries that payment's
//     externalId as EndToEndId; an account's reports, ordered by created,
//     are its statements in order (the next one opens with the previous
//     closing), which the :28C: numbering relies on. The fake's reports
//     satisfy all three. camt.054 notifies a transaction with the
//     statement that books it (assumed to be as early as Atlar knows it as
//     booked); the intraday formats (MT942, camt.052) read the Financial
//     Data transactions and balances below instead.
//   - GET /connectivity/v2beta/connections/{cid}/reports/{rid}/bank-statement
//     (the bank's own file, seed guide "Option 3") answers the file itself
//     as the body, any content type; the fake's demo bank sends its
//     statements as camt.053.001.02 without the bridge's external ids.
//   - A multipart batch upload's JSON file holds either the payments array
//     or an object shaped like the JSON request. CSV batch files are not
//     supported (400).
//   - Payment record-error fields are absolute ("payments.3.source.id") in
//     both the batch errors and /results.
//   - Credit transfers are listed in creation order (Atlar documents date,
//     descending) so that offset page tokens stay valid while payments are
//     added. Page tokens are standard base64 and must be URL-escaped.
//   - An INLINE destination is shown as an ad-hoc EXTERNAL_ACCOUNT.
//   - Dates ("not in the past, at most 60 days ahead", statement dates) use
//     the clock's UTC date, not the source account's local date.
//   - amount.stringValue may have fewer decimals than the currency, not more.
//     Both value and stringValue may be sent if they agree (the spec's oneOf
//     strictly forbids that), and value 0 beside a stringValue is read as
//     "not given", because atlar.Amount always marshals value.
//   - Financial Data transactions (GET /financial-data/v2/transactions)
//     and balances (GET /financial-data/v2/accounts/{id|-}/balances) are the
//     statements' own lines and balances (financial.go): one transaction per
//     statement line, created when the statement closed; a BOOKED OPEN and
//     a BOOKED CLOSE balance per statement. Assumed of Atlar: transactions
//     are listed oldest first; a transaction booking a payment the bridge
//     submitted carries the payment's externalId as references.endToEndId;
//     the only time filter is `date` (string or date[eq|gte|lte], the
//     booking date — the spec has no created/updated filter); mostRecent=true
//     keeps the newest balance of each account and type. Every fake
//     transaction is NOT_RECONCILED with no attachedTransactables. The
//     bridge's intraday reports (internal/outbound/intraday.go) further
//     assume that a transaction is listed at the latest one day after the
//     newest booking date already seen (the lookback of each poll), and
//     that the most recent BOOKED balance read after a listing includes
//     the transactions listed; both hold in the fake by construction.
//
// # Assumptions of collections and counterparties
//
// (counterparties.go, collections.go; not verified against the real API)
//
//   - A create whose externalId is already used by any resource answers
//     409 Conflict (detail code "duplicate", field "externalId" or
//     "accounts.N.externalId"). Atlar documents uniqueness, not the status.
//     (The batch endpoint keeps its 400 "duplicate".)
//   - A stale If-Match answers 412 Precondition Failed (NOTES.md: the
//     status is undocumented; 412 as the issue says). Without If-Match a
//     PATCH, :cancel, :approve or :reject is unconditional (the spec does
//     not mark the header required). No ETag header: the etag is in the
//     body, unquoted, "version:N".
//   - PATCH takes only the (op, path) pairs of the spec's
//     CounterpartyJSONPatchRequest (replace legalName, alias, email,
//     phone, partyType, address, nationalIdentifier; remove all but
//     legalName and address); others answer 400, a Content-Type other than
//     application/json-patch+json 415. All ops are checked before any is
//     applied. PATCH is not covered by Idempotency-Key (only POST is).
//   - Direct-debit amounts are accepted as the spec's AmountInput (value in
//     minor units or stringValue) and served with both; the client sends
//     value only. The currency must be the destination account's, and EUR
//     for the SEPA schemes. The date must not be in the past; the debit's
//     progress does not wait for it (as payments do not).
//   - CreateDirectDebitRequest names no mandate: the fake uses the newest
//     usable (not CANCELLED, FAILED or being cancelled) mandate of the
//     source external account for the scheme; with none it answers 400
//     on source.id with code "no_mandate". Several active mandates with
//     the same mandateReference are allowed (an amendment creates the new
//     one before cancelling the old).
//   - The spec has no mandateReference filter on GET /mandates and no IBAN
//     filter on GET /external-accounts: clients scan pages. The free-text
//     `query` parameter is not implemented.
//   - Creating an external account or a mandate needs the counterparty or
//     external account by Atlar id (not external:<id>), 400 not_found else.
//     An IBAN identifier must pass its check digits (400 on
//     identifiers.N.number); the fake stores it without spaces.
//   - Events have ids 1, 2, … per resource and originator "ATLAR"; the
//     events endpoints take an Atlar id only (404 for external:<id>).
//   - Approval step ids are stable per debit; :approve needs the pending
//     step's id (400 otherwise) and answers 202 with the debit.
//   - :cancel makes a mandate CANCELLED at once; Atlar may pass through
//     PENDING_CANCELLATION / CANCELLATION_SENT first (the client's
//     MandateUsable treats those as unusable too).
//   - The camt.053 content renders a direct debit's mandate reference only
//     in the Financial Data transaction (references.mandateReference):
//     package camt053 writes no Refs/MndtId yet.
//   - Create bodies are decoded leniently (metadata, entityIds accepted and
//     ignored); JSON Patch ops strictly (additionalProperties false).
//
// # Caveats
//
//   - Created resources get random ids; seed data has fixed ids (seed.go),
//     and seeded statements have ids derived from account and date, so a
//     restarted sandbox never reuses an id for different content.
//   - Fault draws are reproducible for a sequential client; concurrent
//     clients see them in arrival order.
//   - Connection resets need HTTP/1 (hijacking); under HTTP/2 the request
//     is aborted instead.
package atlartest
