package outbound

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const payCSV = "ref,amount\nR1,1.00\nR2,2.00\nR3,3.00\n"

func payment(row int, status string) state.Payment {
	p := state.Payment{Row: row, ExternalID: "E" + string(rune('0'+row)), Amount: int64(row) * 100, Currency: "EUR", Status: status}
	if status != "" {
		p.PaymentID = "pay-" + string(rune('0'+row))
	}
	return p
}

// TestWorld_ResultsPerOutcome journals one file per outcome while
// outbound runs, and checks that its loop (woken by the journal's change
// feed, not by a sweep) writes exactly the files due, with the status each
// outcome must report to the ERP.
func TestWorld_ResultsPerOutcome(t *testing.T) {
	accepted := []state.Batch{{ID: "batch-1", Count: 3, Status: "COMPLETED", ResultsRead: true}}
	tests := []struct {
		name  string
		file  state.File
		body  string
		files []string          // suffixes written
		xml   map[string]string // suffix → GrpSts
		csv   []string          // lines the result CSV contains
	}{
		{name: "rejected pain.001", file: state.File{Route: "sepa", Format: "pain001", State: state.Rejected,
			Problems: []state.Problem{{Code: "FF01", Message: "not a pain.001"}}},
			files: []string{"ack.xml"}, xml: map[string]string{"ack.xml": "RJCT"}},
		{name: "submitted, waiting for approval", file: state.File{Route: "sepa", Format: "pain001", State: state.Submitted, Interim: true,
			Batches: accepted, Payments: []state.Payment{payment(1, "WAITING_FOR_APPROVAL"), payment(2, "")}},
			files: []string{"ack.xml", "pending.xml"}, xml: map[string]string{"ack.xml": "ACTC", "pending.xml": "PDNG"}},
		{name: "submitted", file: state.File{Route: "sepa", Format: "pain001", State: state.Submitted,
			Batches: accepted, Payments: []state.Payment{payment(1, "")}},
			files: []string{"ack.xml"}, xml: map[string]string{"ack.xml": "ACTC"}},
		{name: "completed, all executed", file: state.File{Route: "sepa", Format: "pain001", State: state.Completed,
			Batches: accepted, Payments: []state.Payment{payment(1, "EXECUTED"), payment(2, "EXECUTED")}},
			files: []string{"ack.xml", "result.csv", "result.xml"}, xml: map[string]string{"result.xml": "ACSC"},
			csv: []string{"E1,,1.00,EUR,EXECUTED,pay-1,", "E2,,2.00,EUR,EXECUTED,pay-2,"}},
		{name: "completed, partly rejected and returned", file: state.File{Route: "sepa", Format: "pain001", State: state.Completed,
			Batches: accepted, Payments: []state.Payment{payment(1, "EXECUTED"),
				func() state.Payment {
					p := payment(2, "REJECTED")
					p.ReasonCode, p.Reason = "AC04", "account closed"
					return p
				}(),
				payment(3, "RETURNED")}},
			files: []string{"ack.xml", "result.csv", "result.xml"}, xml: map[string]string{"result.xml": "PART"},
			csv: []string{"E2,,2.00,EUR,REJECTED,pay-2,AC04: account closed", "E3,,3.00,EUR,RETURNED,pay-3,returned by the receiving bank"}},
		{name: "completed, accepted by the bank", file: state.File{Route: "xmlonly", Format: "pain001", State: state.Completed,
			Batches: accepted, Payments: []state.Payment{payment(1, "ACCEPTED")}},
			files: []string{"ack.xml", "result.xml"}, xml: map[string]string{"result.xml": "ACSP"}},
		{name: "failed after Atlar took it", file: state.File{Route: "sepa", Format: "pain001", State: state.Failed,
			Batches: accepted, Payments: []state.Payment{payment(1, "FAILED")}},
			files: []string{"ack.xml", "result.csv", "result.xml"}, xml: map[string]string{"result.xml": "RJCT"},
			csv: []string{"E1,,1.00,EUR,FAILED,pay-1,rejected by Atlar or the bank (FAILED)"}},
		{name: "failed before Atlar took it", file: state.File{Route: "sepa", Format: "pain001", State: state.Failed,
			Problems: []state.Problem{{Message: "gave up"}}, Payments: []state.Payment{payment(1, "")}},
			files: []string{"ack.xml"}, xml: map[string]string{"ack.xml": "RJCT"}},
		{name: "rejected CSV row", file: state.File{Route: "payables", Format: "csv", State: state.Rejected,
			Problems: []state.Problem{{Row: 2, Field: "amount", Message: "amount: expected a number"}}},
			body:  payCSV,
			files: []string{"ack.xml", "result.csv"}, xml: map[string]string{"ack.xml": "RJCT"},
			csv: []string{"R1,1.00,NOT_SENT,,file rejected", "R2,2.00,REJECTED,,amount: expected a number"}},
		{name: "completed CSV", file: state.File{Route: "payables", Format: "csv", State: state.Completed,
			Batches: accepted, Payments: []state.Payment{payment(1, "EXECUTED"), payment(2, "EXECUTED"), payment(3, "")}},
			body:  payCSV,
			files: []string{"ack.xml", "result.csv", "result.xml"}, xml: map[string]string{"result.xml": "PDNG"},
			csv: []string{"ref,amount,status,atlar_payment_id,reason", "R1,1.00,EXECUTED,pay-1,", "R3,3.00,PENDING,,"}},
		{name: "route removed from the config", file: state.File{Route: "gone", Format: "pain001", State: state.Rejected,
			Problems: []state.Problem{{Message: "bad"}}},
			files: []string{"ack.xml"}, xml: map[string]string{"ack.xml": "RJCT"}},
	}
	w := newOBWorld(t, obOptions{})
	w.build(true)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.file
			f.ID = "F" + string(rune('A'+i))
			f.Name = "in-" + f.ID + ".dat"
			w.create(&f, tc.body)
			w.eventually(func() bool {
				got, err := w.store.Get(f.ID)
				return err == nil && len(got.Outputs) == len(tc.files)
			}, "outputs of "+tc.name)
			results := w.results()
			assert.Equal(t, tc.files, suffixes(results, f.Name))
			for sfx, want := range tc.xml {
				assert.Equal(t, want, grpSts(t, results[f.Name+"."+sfx]), sfx)
			}
			for _, line := range tc.csv {
				assert.Contains(t, strings.Split(results[f.Name+".result.csv"], "\n"), line)
			}
		})
	}
	// Outputs written on the feed leave their files marked changed; the
	// minute's sweep settles them (their marks go) and writes nothing
	// again.
	before := w.outbox()
	require.NotEmpty(t, changed(t, w.store))
	w.clock.Advance(time.Minute)
	w.eventually(func() bool { return len(changed(t, w.store)) == 0 }, "the sweep")
	assert.Equal(t, before, w.outbox())
	w.mu.Lock()
	defer w.mu.Unlock()
	assert.Equal(t, 11, w.delivered[KindAck], "one ack per file")
}

// TestWorld_OutboxWriteFailure: while the results folder cannot be
// written, the loop reports the failure (once a minute, not per try) and
// tries again resultsRetry later; once an operator fixed the folder the
// outputs are written, each once.
func TestWorld_OutboxWriteFailure(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		fix    func(t *testing.T, dir string)
	}{
		{name: "folder replaced by a file",
			break_: func(t *testing.T, dir string) {
				require.NoError(t, os.Remove(dir))
				require.NoError(t, os.WriteFile(dir, nil, 0o640))
			},
			fix: func(t *testing.T, dir string) {
				require.NoError(t, os.Remove(dir))
				require.NoError(t, os.MkdirAll(dir, 0o750)) // the loop may be at it too
			}},
		{name: "folder on a share that is gone",
			break_: func(t *testing.T, dir string) {
				require.NoError(t, os.Remove(dir))
				require.NoError(t, os.Symlink(filepath.Join(t.TempDir(), "unmounted"), dir))
			},
			fix: func(t *testing.T, dir string) {
				require.NoError(t, os.Remove(dir))
				require.NoError(t, os.MkdirAll(dir, 0o750)) // the loop may be at it too
			}},
		{name: "read-only folder",
			break_: func(t *testing.T, dir string) {
				if os.Geteuid() == 0 {
					t.Skip("root writes to a read-only folder")
				}
				require.NoError(t, os.Chmod(dir, 0o500))
				t.Cleanup(func() { _ = os.Chmod(dir, 0o750) })
			},
			fix: func(t *testing.T, dir string) { require.NoError(t, os.Chmod(dir, 0o750)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{})
			dir := w.lay.Results()
			w.build(true)
			tc.break_(t, dir)
			w.create(&state.File{ID: "A", Route: "xmlonly", Format: "pain001", Name: "pay.xml", State: state.Rejected,
				Problems: []state.Problem{{Message: "bad"}}}, "")
			w.eventually(func() bool { return strings.Contains(w.logs.String(), `msg="write results"`) }, "the failure reported")
			// Sweep ticker + retry timer: the loop waits to try again.
			// (A round the feed started leaves one retry timer more, so
			// this is at least idle once; the counts below do not
			// depend on it.)
			for range 3 {
				w.waitTimers(2)
				w.clock.Advance(resultsRetry)
			}
			errorLogs := func() [][]string { return failureReport.FindAllStringSubmatch(w.logs.String(), -1) }
			w.waitTimers(2)
			assert.Len(t, errorLogs(), 1, "repeated failures within a minute are not logged again:\n%s", w.logs)
			w.clock.Advance(time.Minute)
			w.eventually(func() bool { return len(errorLogs()) == 2 }, "the failure reported again a minute on")
			held, err := strconv.Atoi(errorLogs()[1][1])
			require.NoError(t, err)
			assert.GreaterOrEqual(t, held, 3, "the retries every %s were held back from the log", resultsRetry)
			assert.Empty(t, w.results())

			tc.fix(t, dir)
			// Whichever timer the loop waits on now (a round may have
			// been under way while the folder was fixed), moving the
			// clock on reaches it.
			w.eventually(func() bool {
				if strings.Contains(w.logs.String(), "results written again after errors") {
					return true
				}
				w.clock.Advance(resultsRetry)
				return false
			}, "recovery")
			assert.Equal(t, []string{"ack.xml"}, suffixes(w.results(), "pay.xml"), "%v\n%s", w.outbox(), w.logs)
			f, err := w.store.Get("A")
			require.NoError(t, err)
			assert.Len(t, f.Outputs, 1)
		})
	}
}

// failingPuts is the real journal but for its PutDelivery calls from the
// n-th on, which fail as if the bridge died right before them.
type failingPuts struct {
	*state.Store
	puts, failFrom int
	// failRecord fails recording an output written (File.Outputs), as
	// if the bridge died between the delivery and that record.
	failRecord bool
}

func (j *failingPuts) Update(id, note string, fn func(f *state.File) error) (*state.File, error) {
	if j.failRecord && strings.HasPrefix(note, "wrote ") {
		return nil, errDied
	}
	return j.Store.Update(id, note, fn)
}

func (j *failingPuts) UpdateRows(id, note string, rows state.Rows, fn func(f *state.File, pays []*state.Payment, batches []*state.Batch) error) (*state.File, error) {
	if j.failRecord && strings.HasPrefix(note, "wrote ") {
		return nil, errDied
	}
	return j.Store.UpdateRows(id, note, rows, fn)
}

var errDied = errors.New("died")

// failureReport is the results writer's error log line; group 1 is how
// many failed rounds it held back since the previous one.
var failureReport = regexp.MustCompile(`level=ERROR msg="write results" .*failures_since_last_report=(\d+)`)

func (j *failingPuts) PutDelivery(d *state.Delivery) error {
	j.puts++
	if j.failFrom > 0 && j.puts >= j.failFrom {
		return errDied
	}
	return j.Store.PutDelivery(d)
}

// TestWorld_RestartResumes: whatever point of a delivery the bridge
// stopped at (nothing written, the temp file written without its intent,
// the file renamed into place without being recorded done), the next
// start delivers every due output exactly once, and no temp file stays.
func TestWorld_RestartResumes(t *testing.T) {
	tests := []struct {
		name     string
		failFrom int // 0: outbound did not run at all
		// failRecord: died after each delivery, before recording it.
		failRecord bool
		// What the stop left: a temp file without its intent, a file in
		// place with its delivery pending, outputs recorded.
		temps, pending, recorded int
	}{
		{name: "journaled while stopped"},
		// A file's outputs are tried in turn even after one failed, so
		// every later one leaves its temp file too.
		{name: "died before the intent", failFrom: 1, temps: 3},
		{name: "died before recording done", failFrom: 2, temps: 2, pending: 1},
		{name: "died after the first output", failFrom: 3, temps: 2, recorded: 1},
		{name: "died before recording the outputs", failRecord: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{Wrap: func(s *state.Store) Journal {
				return &failingPuts{Store: s, failFrom: tc.failFrom, failRecord: tc.failRecord}
			}})
			w.create(&state.File{ID: "A", Route: "sepa", Format: "pain001", Name: "pay.xml", State: state.Completed,
				Batches:  []state.Batch{{ID: "b", Count: 1, ResultsRead: true}},
				Payments: []state.Payment{payment(1, "EXECUTED")}}, "")
			if tc.failFrom > 0 || tc.failRecord {
				w.build(false)
				require.ErrorIs(t, w.ob.WriteResults(context.Background()), errDied)
				temps := 0
				for _, name := range w.names(w.lay.Results()) {
					if atomicfile.IsTemp(name) {
						temps++
					}
				}
				pending, err := w.store.PendingDeliveries()
				require.NoError(t, err)
				f, err := w.store.Get("A")
				require.NoError(t, err)
				assert.Equal(t, []int{tc.temps, tc.pending, tc.recorded}, []int{temps, len(pending), len(f.Outputs)},
					"temps, pending deliveries, outputs recorded when it stopped")
				w.o.Wrap = nil
				w.restart(true)
			} else {
				w.build(true)
			}
			w.eventually(func() bool {
				f, err := w.store.Get("A")
				return err == nil && len(f.Outputs) == 3
			}, "all outputs")
			assert.Equal(t, []string{"ack.xml", "result.csv", "result.xml"}, suffixes(w.results(), "pay.xml"))
			assert.Len(t, w.results(), 3, "no temp file, nothing twice")
		})
	}
}

// TestWorld_ResultBaseCollision: the plain result name is taken by a file
// the bridge did not write, or by another input's files still
// uncollected; the name is too long for the disk once suffixed; a journal
// from before names were journaled. Every result file of one input
// shares one base in each case.
func TestWorld_ResultBaseCollision(t *testing.T) {
	long := strings.Repeat("x", layout.MaxNameBytes) + ".xml"
	tests := []struct {
		name    string
		input   string
		prepare func(w *obWorld)
		base    string
	}{
		{name: "free", input: "pay.xml", base: "pay.xml"},
		{name: "stranger's file in the outbox", input: "pay.xml",
			prepare: func(w *obWorld) {
				w.put("outbox/results/pay.xml.result.csv", []byte("ERP's"))
			},
			base: "pay.xml.B"},
		{name: "another input's uncollected files", input: "pay.xml",
			prepare: func(w *obWorld) {
				w.create(&state.File{ID: "A", Route: "xmlonly", Format: "pain001", Name: "pay.xml", State: state.Submitted,
					Batches: []state.Batch{{ID: "b", Count: 1}}, Payments: []state.Payment{payment(1, "")}}, "")
				require.NoError(w.t, w.ob.WriteResults(context.Background()))
			},
			base: "pay.xml.B"},
		{name: "holder settled and collected", input: "pay.xml",
			prepare: func(w *obWorld) {
				w.create(&state.File{ID: "A", Route: "xmlonly", Format: "pain001", Name: "pay.xml", State: state.Rejected,
					Problems: []state.Problem{{Message: "bad"}}}, "")
				require.NoError(w.t, w.ob.WriteResults(context.Background()))
				w.collect("outbox/results/pay.xml.ack.xml")
			},
			base: "pay.xml"},
		{name: "name too long", input: long, base: layout.FitName(long, layout.MaxNameBytes-longestSuffix)},
		{name: "written before bases were journaled", input: "pay.xml",
			prepare: func(w *obWorld) {
				// B's ack went out as pay.xml.B.ack.xml under an old
				// bridge that did not journal ResultBase.
				w.create(&state.File{ID: "B", Route: "sepa", Format: "pain001", Name: "pay.xml", State: state.Submitted,
					Batches: []state.Batch{{ID: "b", Count: 1}}, Payments: []state.Payment{payment(1, "")}}, "")
				_, err := w.ob.deliver("file/B/0/ack", w.lay.Results(), "pay.xml.B.ack.xml", "", []byte("<old/>"))
				require.NoError(w.t, err)
				_, err = w.store.Update("B", "old ack", func(f *state.File) error {
					f.Outputs = map[string]time.Time{KindAck: w.clock.Now()}
					return nil
				})
				require.NoError(w.t, err)
			},
			base: "pay.xml.B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newOBWorld(t, obOptions{})
			w.build(false)
			if tc.prepare != nil {
				tc.prepare(w)
			}
			b := &state.File{ID: "B", Route: "sepa", Format: "pain001", Name: tc.input, State: state.Completed,
				Batches: []state.Batch{{ID: "b", Count: 1, ResultsRead: true}}, Payments: []state.Payment{payment(1, "EXECUTED")}}
			if _, err := w.store.Get("B"); err == nil {
				_, err = w.store.Update("B", "completed", func(f *state.File) error {
					f.State, f.Payments, f.Batches = b.State, b.Payments, b.Batches
					return nil
				})
				require.NoError(t, err)
			} else {
				w.create(b, "")
			}
			require.NoError(t, w.ob.WriteResults(context.Background()))
			assert.Equal(t, []string{"ack.xml", "result.csv", "result.xml"}, suffixes(w.results(), tc.base), "%v", w.results())
			f, err := w.store.Get("B")
			require.NoError(t, err)
			if tc.name != "written before bases were journaled" {
				assert.Equal(t, tc.base, f.ResultBase)
			}
		})
	}
}

// TestWorld_RoutesReloaded: a config reload (SetRoutes) changes the
// results of the files settled after it, not of those settled before.
func TestWorld_RoutesReloaded(t *testing.T) {
	w := newOBWorld(t, obOptions{})
	w.build(true)
	completed := func(id string) *state.File {
		return &state.File{ID: id, Route: "xmlonly", Format: "pain001", Name: id + ".xml", State: state.Completed,
			Batches: []state.Batch{{ID: "b", Count: 1, ResultsRead: true}}, Payments: []state.Payment{payment(1, "EXECUTED")}}
	}
	outputs := func(id string, n int) func() bool {
		return func() bool {
			f, err := w.store.Get(id)
			return err == nil && len(f.Outputs) == n
		}
	}
	w.create(completed("A"), "")
	w.eventually(outputs("A", 2), "A's ack and result.xml")
	// Until a sweep settles it, A is still in view, and a reload would
	// apply to it too; settled, it is not read again.
	w.clock.Advance(time.Minute)
	w.eventually(func() bool { return len(changed(t, w.store)) == 0 }, "the sweep")

	routes := append([]Route(nil), obRoutes...)
	routes[2].Results = []string{"pain002", "csv"}
	w.ob.SetRoutes(routes)
	w.create(completed("B"), "")
	w.eventually(outputs("B", 3), "B's ack, result.xml and result.csv")

	results := w.results()
	assert.Equal(t, []string{"ack.xml", "result.xml"}, suffixes(results, "A.xml"))
	assert.Equal(t, []string{"ack.xml", "result.csv", "result.xml"}, suffixes(results, "B.xml"))
}

// TestWorld_RetriedFile: a file requeued by bridge retry (Attempt 1)
// gets outputs of its own, beside the first attempt's.
func TestWorld_RetriedFile(t *testing.T) {
	w := newOBWorld(t, obOptions{})
	w.build(false)
	w.create(&state.File{ID: "A", Route: "sepa", Format: "pain001", Name: "pay.xml", State: state.Rejected,
		Problems: []state.Problem{{Message: "Atlar was down"}}}, "")
	require.NoError(t, w.ob.WriteResults(context.Background()))
	_, err := w.store.Update("A", "retried and completed", func(f *state.File) error {
		f.Attempt, f.State, f.Problems = 1, state.Completed, nil
		f.Batches = []state.Batch{{ID: "b", Count: 1, ResultsRead: true}}
		f.Payments = []state.Payment{payment(1, "EXECUTED")}
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, w.ob.WriteResults(context.Background()))
	f, err := w.store.Get("A")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ack", "ack#1", "result.xml#1", "result.csv#1"}, keys(f.Outputs))
	results := w.results()
	assert.Len(t, results, 4, "the first ack and the retry's ack, result.xml and result.csv: %v", keys(results))
	assert.Equal(t, "RJCT", grpSts(t, results["pay.xml.ack.xml"]), "the first attempt's ack is not overwritten")
	acks := 0
	for name, doc := range results {
		if strings.HasSuffix(name, ".ack.xml") && grpSts(t, doc) == "ACTC" {
			acks++
		}
	}
	assert.Equal(t, 1, acks, "the retry's own ack")
	// While the first attempt's ack is uncollected, every file of the
	// retry shares one other base.
	for _, n := range []string{"pay.xml.A-1.ack.xml", "pay.xml.A-1.result.xml", "pay.xml.A-1.result.csv"} {
		assert.Contains(t, results, n, "the retry's files share one base: %v", keys(results))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
