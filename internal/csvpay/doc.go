// Package csvpay reads CSV payment files (SPEC §3.3): one file is one
// payment run, turned into a *payrun.Run after every row has been checked
// offline, or rejected with payrun.Problems naming each row, column and
// value that is wrong. It also writes the result CSV the ERP reads back
// (WriteResult). It does no I/O: bytes in, values out.
//
// Three kinds of file (a route's kind): payments (Parse), direct debits
// (ParseDirectDebits → ddrun.Run, SPEC §3.4) and counterparties
// (ParseCounterparties → parties.Set, SPEC §3.5), all with the same
// profiles (delimiter, decimal comma, encodings, header aliases) and
// all-or-nothing checks. Their result CSVs use WriteResultColumns with
// DirectDebitResultHeader or CounterpartyResultHeader.
//
// Two payment layouts exist: the default one (external_id, amount, currency, ...,
// renamed or placed by position through a csv_profile) and Atlar's own
// batch CSV (profile "atlar", dotted headers). Both produce the same run.
//
// # Caveats
//
//   - Validation is all-or-nothing: one bad row rejects the file, because
//     an ERP cannot resend "the rest" of a payment run.
//   - Blank records (empty lines, or rows of empty fields such as the
//     ";;;;" spreadsheet exports leave at the end) are skipped and do not
//     count as data rows; WriteResult keeps them as they are and appends
//     nothing to them, so row numbers agree between the two.
//   - Atlar's destination.type ACCOUNT (an internal transfer) is returned
//     as ExternalAccountID "account:<id>" (AccountPrefix): inbound must
//     send it as destination {type: ACCOUNT}, not EXTERNAL_ACCOUNT.
//   - A quote character only opens a quoted field at the start of a
//     field; elsewhere it is data. Text after a closing quote is a problem.
//   - Names and references may not contain line breaks or other control
//     characters; a quoted creditor_address may, and each line becomes an
//     address line.
//   - The default scheme (payrun.DefaultScheme) is the bridge's
//     assumption, not Atlar's rule; routes and rows can override it.
package csvpay
