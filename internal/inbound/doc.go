/*
Package inbound moves payment files from the ERP to Atlar: it claims a
complete file from an inbox (folder watcher or SFTP server), validates it,
creates its credit-transfer batches (or forwards a pain.001 as an
instruction), and follows Atlar until every payment is final. The results
the ERP reads (acks, pain.002, result CSVs) are written by package
outbound from the journal records this package keeps; the two packages
never import each other.

The one rule everything below follows: a step is journaled before its side
effect and confirmed after it, and every step decides what to do from the
journal record alone. So after a crash at any instant, Recover and advance
resume each file exactly where it stood, a file is never lost, and money is
never sent twice.

# States

A file is one record in the journal (state.File, bbolt, see package state)
and one original on disk. Its State is one of:

	              Claim / Receive (claim.go):
	              Create(received), then move inbox/ → processing/
	                     │
	                     ▼
	               ┌────────────┐  bad rows, too big, route removed,
	 Requeue ────▶ │  received  │ ────────────────────────────────────▶ rejected
	(bridge retry) └─────┬──────┘  same bytes sent before (DU01)
	                     │ validate (advance.go): BuildPlan (plan.go),
	                     │ PutBlob per batch, Update(validated)
	                     ▼
	               ┌────────────┐  same bytes or MsgId sent since
	               │ validated  │ ────────────────────────────────────▶ rejected
	               └─────┬──────┘
	                     │ startSubmit (advance.go): Update(submitting),
	                     │ which also writes the duplicate index
	                     ▼
	               ┌────────────┐  Atlar accepted nothing (all refused);
	               │ submitting │ ────────────────────────────────────▶ failed
	               └─────┬──────┘  instruction outcome unknown (unknown.go)
	                     │ submit.go: create each batch (or the instruction),
	                     │ journal its Atlar id; then Update(submitted)
	                     ▼
	               ┌────────────┐  results.max_wait passed;
	               │ submitted  │ ────────────────────────────────────▶ failed
	               └─────┬──────┘  the bank rejected the instruction
	                     │ poll (track.go): every payment final
	                     ▼
	               ┌────────────┐
	               │ completed  │
	               └────────────┘

Completed, failed and rejected are final (state.State.Final). Rejected
means the file's fault: nothing reached Atlar. Failed means Atlar or the
bank said no, or the outcome could not be known; a failed file may have
payments that reached Atlar (then it cannot be requeued). An operator's
"bridge retry ID" (Requeue, requeue.go) moves a rejected file, or a failed
one of which nothing reached Atlar, back to received with Attempt+1: new
idempotency keys and batch externalIds, so it is a new submission.

Where the original rests follows the state, and the journal's File.Path
always says where (place.go moves it; place is idempotent):

	received, validated, submitting  processing/<route>/<id>_<name>
	submitted, completed             archive/<day>/…   (layout.ArchiveRel)
	rejected, failed                 failed/<day>/…    (layout.FailedRel), with
	                                 <same name>.error.txt, written before the
	                                 original is moved beside it

# Which file owns each step

	pipeline.go  the consumer interfaces Journal and Atlar; Options; the
	             worker queue (enqueue/run: a file runs on one worker at a
	             time, and once more if it changed meanwhile); logStep
	outage.go    outage: "Atlar unreachable" / "Atlar back" once for all
	             files, observed on every call by watchedAtlar
	claim.go     Claim: hash, Create(received), move to processing/, done
	             marker; recheck of a file a writer was still finishing;
	             Receive (the SFTP close path, with the offline in-band
	             check for reject_in_band routes)
	requeue.go   Requeue and Retry
	advance.go   advance, the state switch; validate (received → validated
	             or rejected); startSubmit (→ submitting, dedupe under
	             dupMu); duplicate; reject
	plan.go      BuildPlan: CSV (csvpay) or pain.001 (pain001) → payrun.Run
	             → Atlar batch requests of at most MaxBatch payments, or an
	             instruction plan
	accounts.go  the accounts/connections cache behind the Resolver
	             (singleflight, TTL) and its offline variant for Receive
	submit.go    submit: create batches (→ submitted, or failed when nothing
	             was accepted); submitInstruction; refused batches; retryLater
	redate.go    payment dates that fell into the past while Atlar was
	             unreachable are moved to today, under a new idempotency key
	unknown.go   an instruction create whose answer was lost longer ago than
	             Atlar remembers idempotency keys: look it up by listing
	track.go     the tracker loop and sweep; poll (submitted → completed or
	             failed); how batch results and payment statuses are applied
	schedule.go  the tracker's timetable (when each open file is next due);
	             reschedule, which backs a step off while Atlar is down
	parties.go   collections: ensureDebtor (counterparty + external
	             account), ensureMandate, ensureOp (exactly once per Op)
	collect_plan.go, collect_submit.go, collect_track.go
	             collections: plan, submit, follow (see Collections)
	place.go     place (originals where the journal says), the error report,
	             Recover
	vendors.go   the counterparties route (kind = "counterparties"): rows
	             journaled as Payments, upsert by externalId (create with a
	             journaled Op key, JSON Patch with If-Match, 412 retried
	             once), submitting → completed/failed without tracking
	route.go     Route and its defaults; building one from the config

# A CSV row's way to an Atlar payment

 1. The ERP drops pay.csv into inbox/<route>/ (or uploads it over SFTP). The
    watcher or SFTP server calls Claim (or Receive) with a Drop. Claim hashes
    the bytes (sha256), journals the file as received (Create) and only then
    moves it to processing/; if the move fails, the record is withdrawn
    (Delete) and the file stays in the inbox to be offered again. A file over the route's max_file_size is not
    hashed (SHA256 "") and is rejected as such by validate.
 2. A worker runs advance. validate runs a cheap duplicate check
    (FindDuplicate by sha256), takes the file's size from the parse budget,
    and calls BuildPlan. csvpay.Parse turns row 7 into a payrun.Payment: Row
    7, its physical Line, ExternalID from the external id column of the
    route's CSV profile, Amount in
    minor units (int64, never a float), currency, accounts, creditor. Every
    problem of every row is collected (payrun.Problems, with row, field,
    value and what was expected); any problem rejects the whole file.
 3. transfer (plan.go) turns the payment into an
    atlar.CreateCreditTransferRequest: source account resolved by id or IBAN
    through the accounts cache (an unknown one is a problem of the row;
    Atlar being down is an error: the file stays received and is tried
    again), destination as an external account id or an INLINE account,
    date (empty → today), reference (empty → the externalId), scheme.
 4. Payments are cut into batches of at most MaxBatch. Batch n's
    externalId is BatchExternalID(file id, attempt, n), and its idempotency
    key "<id>-batch-<n>-a<attempt>". Each batch request body is journaled as
    a blob (PutBlob "batch/<id>/<attempt>/<n>") before the record moves to
    validated with Payments (one per row, in order, with Row and ExternalID)
    and Batches (First, Count, ExternalID, IdempotencyKey). From here on the
    request is never built again: a resend sends the journaled bytes.
 5. startSubmit checks duplicates again, by sha256 and by pain.001 MsgId,
    and moves the file to submitting in one critical section (dupMu); that
    journal write also indexes the file for later duplicate checks.
 6. submit journals the batch's FirstTry, then calls
    CreateCreditTransferBatch with the journaled body and key, then journals
    Atlar's batch id. When every batch is settled, the file is submitted
    (original to archive/) and the blobs are dropped.
 7. poll (track.go) reads the batch; once COMPLETED, ListBatchResults maps
    each result's recordIndex back to a payment (First+index): Row 7 now has
    Atlar's PaymentID, or REJECTED with Atlar's reason. ListCreditTransfers
    then gives each payment's status until every one is final
    (atlar.PaymentTerminal), and the file is completed. Outbound, told by
    the journal's change feed, writes the ack, the pending report while
    payments wait for approval (File.Interim), and the result pain.002 and
    CSV, where row 7 appears with its status and Atlar payment id.

# What is journaled before each side effect

	side effect                        journaled before it
	move inbox/ → processing/          the record (Create, received)
	create batch n at Atlar            request body (PutBlob), key and
	                                   externalId (validated), FirstTry
	create the instruction             key (validated), Instruction.FirstTry
	resend a batch with new dates      the new key (redate.go), then the body
	move the original out of           the state and File.Path it is going to
	processing/                        (place runs after the Update)
	error report in failed/            the problems (written from the record)

and journaled after: the batch or instruction id Atlar returned, every
status learnt by polling (one Update per poll), outputs written (by
outbound).

# After a crash

Recover (place.go) runs before the watcher and the SFTP server start. It
lists every open file (received, validated, submitting, submitted) and
queues it; advance then redoes the step the record says is next. Per step:

  - Crash after Create, before the move: the original is still in the
    inbox. Recover finishes the move (finishClaim), consuming the done
    marker only if it is not newer than the claim. If the original is gone
    from both inbox and processing, the record is deleted: there was
    nothing to pay.
  - Crash during validate: the record is still received; validation runs
    again from the bytes in processing/. Blobs already written are
    overwritten with the same plan (the date is today again, see Caveats).
  - Crash after validated or in startSubmit: startSubmit runs again,
    including its duplicate check, which excludes the file itself.
  - Crash in submitting, before FirstTry of a batch was journaled: nothing
    was sent for that batch; it is sent fresh.
  - Crash after FirstTry, with no batch id journaled: the create may or may
    not have reached Atlar. createBatch looks the batch up first by
    GET …/external:<externalId>; found, its id is journaled; not found
    (atlar.ErrNotFound), the journaled body is sent again with the same
    key. A create that loses a race with an earlier one that landed late is
    refused for its externalId (409 or a detail on externalId) and is looked
    up again.
  - Crash after an instruction's FirstTry, no id journaled: within the
    idempotency window the create is repeated with the same key; after it,
    unknown.go lists the connection's instructions (see below).
  - Crash after the final Update but before place: Recover finds the
    original still in processing/ and places it (and for failed/ writes the
    error report first). An original in processing/ without a record is
    logged and left alone.
  - Crash in submitted: polling simply goes on; every poll is a read.
  - Crash after failed (nothing accepted) but before Unindex: see Caveats.

# Duplicates

A file is indexed (route + sha256, and route + MsgId for pain.001) when it
enters a sent state (submitting, submitted, completed), in the same journal
transaction. validate checks the sha256 early and startSubmit checks sha256
and MsgId again under dupMu, so two copies validated at once cannot both
pass. A duplicate within the route's dedupe_window is rejected with code
DU01, naming the earlier file; "bridge retry ID --force" sends it anyway. A
file that failed with nothing accepted is unindexed, so the same bytes may
be sent again. Requeue does not unindex: a requeued file is indexed anew
when it reaches submitting again.

# Two paths: batches and instructions

Transfers mode (every CSV route, and pain.001 routes with mode
"transfers") turns payments into credit-transfer batches as above; each
batch has an externalId, so a lost answer is always resolved by a lookup.
Atlar may refuse a batch outright (an *atlar.APIError that is not
retryable, e.g. 400 or 422, other than 401 and 403): its
payments become REJECTED with Atlar's reasons mapped back to rows
(batchRefused), and the other batches go on. The file is failed only if
Atlar accepted nothing of it.

Instruction mode (pain.001, mode "instruction") forwards the untouched
bytes over a bank connection (CreateInstruction); connection_id "auto"
picks the connection of the debtor accounts, which must all be on one
connection. An instruction has no externalId. Its outcome is followed with
GetInstruction; ACCEPTED, COMPLETED and EXECUTED complete the file, REJECTED
and FAILED fail it (instructionFinal in track.go; these status names are an
assumption, see package atlar).

# How results are followed (track.go)

A submitted file is polled PollInterval after submission, then every
PollInterval + a quarter of the time waited so far, capped at MaxPoll
(pollEvery). The tracker keeps a timetable (schedule.go) of when each open
file is next due, and every Sweep reads the open files from the journal as
a safety net. A failed Atlar call journals PollFailures and NextPollAt
with the pipeline's backoff (retryLater) and notes the failure in the
file's steps (first, then every tenth). A file whose payments are not all final
after results.max_wait (MaxWait) is failed with a note: it is no longer
followed, and an operator checks it in Atlar.

# The unknown-outcome lookup (unknown.go)

Atlar is assumed to remember an Idempotency-Key for 24 hours (undocumented;
see /work/shared/atlar/NOTES.md §2.6). A batch never needs it: its
externalId lookup works at any age. An instruction create first tried 23
hours ago or more (the window less a margin) with no answer journaled is
not resent blindly: findInstruction lists the connection's instructions and
keeps those with the file's name and content type, created since the first
attempt (less createdSkew), that no other journaled file accounts for. One
match is recorded as this file's instruction; none means it never arrived
and it is created; several make the file failed with the instruction
status UNKNOWN (unresolved): guessing could pay twice or not at all, so an
operator decides. The file stays in the duplicate index meanwhile.

# Contracts with the journal and Atlar

The pipeline sees the journal and the API only through the consumer
interfaces Journal and Atlar (pipeline.go). Their comments state each
method's error contract: which errors come back, what a failed call may
already have done, whether repeating it is safe, and the sentinels checked
(state.ErrNotFound, state.ErrExists, atlar.ErrNotFound, atlar.Temporary,
*atlar.APIError). In short: a journal call that failed wrote nothing, so a
step is retried from the record; an Atlar create that failed without a
final answer may have taken effect, so a batch is looked up by its
externalId before it is sent again, and an instruction is sent again only
under the same key within the key's window (unknown.go after it). In tests both are real: a bbolt file in
t.TempDir() and the atlar client against the atlartest HTTP fake.

# Collections (pain.008 and direct-debit CSV)

A route with format "pain008", or a CSV route of kind "direct_debits",
collects money (ModeCollections). Its journey is the payments' one with
other requests:

  - validate: collectPlan reads the file (pain008.Read, or
    csvpay.ParseDirectDebits with the route's creditor_id and
    creditor_account_id), resolves each collection's creditor account
    (IBAN or id) through the accounts cache, and rejects the whole file
    for any problem, naming the row or element. One state.Payment per
    collection (ExternalID = EndToEndId, PmtInfID, Amount, Debtor = the
    debtor IBAN for the duplicate index); File.Original.MsgNameID is the
    input's name (pain.008.001.02, pain.008.003.02, …; CSV), which the
    pain.002 echoes as OrgnlMsgNmId. The requests (Collection) are
    journaled as blobs "collect/<id>/<attempt>/<n>" of collectChunk.
  - submit (submitCollections): per collection, in order, ensureDebtor,
    ensureMandate, then the direct debit; CollectConcurrency collections
    at once. Each resource is a state.Op keyed by what it creates:
    "counterparty/<externalId>", "externalaccount/<counterparty
    externalId>/<IBAN>", "mandate/<reference>",
    "directdebit/<file id>/<attempt>/<row>". ensureOp journals the Op's
    idempotency key and FirstTry before the create and Atlar's id after;
    shared resources (debtor, mandate) are looked up by "external:<id>"
    first, a direct debit only when an earlier attempt's answer is unknown
    (FirstTry set, no id — which also covers a key past Atlar's 24 hours).
    A create refused because the externalId is taken (atlar.ErrConflict)
    adopts what the lookup finds: this is what makes the counterparties
    route and this one agree on one counterparty. A keyed mutex (parties)
    makes two files of one bridge naming one new debtor create it once.
    Atlar's final no to one step rejects that collection only (Payment
    REJECTED with the reason, remembered in its Op); any other failure
    leaves the file submitting (retryLater), and a resume redoes only what
    has no id.
  - follow (pollCollections): GET each open direct debit until
    atlar.DirectDebitTerminal; one waiting for approval makes the file
    Interim (pending report).

Amendments. Atlar has no mandate update. An amendment that renames the
mandate (AmdmntInd with OrgnlMndtId) creates the amended mandate, then
cancels the original (:cancel), before the collection is created: for a
moment both are active, which Atlar allows, but never once a collection
is sent, and never with nothing usable between. An amendment that keeps
the reference but changes the debtor's account is not handled: the
existing mandate (same externalId) is adopted and Atlar refuses the
collection from the new account (no_mandate), which the result reports.

# Caveats

Journal writes are not free. An Update writes the file's header and only
the payments and batches its function changed, but it still copies and
compares the file's payments in memory (a few ms per 10k payments), and
writers share one bbolt transaction at a time (see package state). Keep
the function given to Update short and free of I/O, and change only the
File it is given: it may run more than once. The hot steps — a batch's
first try and Atlar id, submitted, a redate, a poll — use UpdateRows
instead, which reads and writes only the rows they name, at the same
cost for 1 payment or 100k. Listings that need no payments ask for
headers only (state.Filter.HeadersOnly).

One file, one worker. enqueue runs a file on one worker at a time; a change
while it runs makes it run once more. Code outside the pipeline that
changes a record goes through the journal and then enqueues it (Retry); Requeue
alone, used by the CLI when no bridge runs, leaves the file to the next
start's Recover.

Check then act. FindDuplicate is a read; the check and the move to
submitting are atomic only because of dupMu, which is per pipeline. Only
one process may own the journal (state's file lock), which is what makes
that enough.

Validation uses today's date. A missing execution date becomes the local
date at validation (PlanInput.Today); if a crash repeats validation after
midnight, the plan gets the new date. A plan already journaled is never
rebuilt; redate.go moves past dates to today under a new key only when a
lookup showed the batch does not exist at Atlar.

Crash between failed and Unindex. submitted writes failed, then calls
Unindex in a second write; a crash between the two leaves the failed file
in the duplicate index, so the same bytes are rejected as a duplicate (with
the --force hint) until its dedupe window passes.

Who retries. The API client retries only blips: a few fast attempts
(MaxRetries, default 2, within its RetryBudget of 5s) on transport errors,
408, 425, 429, 500, 502, 503 and 504, then it returns an
*atlar.TemporaryError with the Retry-After hint. The pipeline's timetable
owns all waiting: a step with a journaled retry (submit, poll) waits in
retryLater, validation (the accounts list) in reschedule, both on the one
backoff.Policy (PollInterval doubling to MaxPoll, jittered) and never
sooner than atlar.RetryAfter. The sweep leaves a file waiting on the
timetable alone, and when Atlar answers again (outage) the files waiting
in memory are due at once. An outage is logged once for all files, not per
file: the files log their temporary failures at Debug.

Temporary and final errors. Whether an Atlar error means "try later" or
"no" is atlar.Temporary plus refused (submit.go): 401 and 403 are never a
file's fault and are retried until an operator fixes the credentials. An
error reading or writing the journal is always retried; it never fails a
file.

A final file whose original could not be placed. When place fails after
the final Update (failed/ not writable), the step's error is
logged, but the tracker drops final files from its timetable and sweeps
only open ones: the original waits in processing/ until the next start's
Recover places it.

Close. Close cancels the workers; a step cut short is resumed by the next
start's Recover. A retryLater caused by context.Canceled journals nothing.
*/
package inbound
