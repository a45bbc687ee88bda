package crashtest

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// drain runs the bridge without faults until every dropped file has
// reached a final state with all its outbox files, then stops it cleanly.
// It checks through the control endpoint while the bridge runs, and in the
// journal itself once it stopped; if the journal is not done yet (an output
// still due), it runs the bridge again.
func (r *rig) drain(led *ledger, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for round := 1; ; round++ {
		p := r.start("")
		r.waitReady(p, 30*time.Second)
		var why string
		for {
			why = r.busy(led)
			if why == "" || time.Now().After(deadline) {
				break
			}
			if p.exited() {
				r.t.Fatalf("bridge exited (code %d) while draining:\n%s", p.exitCode(), r.output(p))
			}
			time.Sleep(100 * time.Millisecond) // polling interval
		}
		code := r.stop(p)
		require.Equal(r.t, 0, code, "clean stop after draining:\n%s", r.output(p))
		if why != "" {
			r.t.Fatalf("not quiet after %s: %s\nstuck files:\n%s", timeout, why, r.stuckFiles())
		}
		if why = r.unfinished(led); why == "" {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("journal not done after %s: %s", timeout, why)
		}
		r.t.Logf("drain round %d: %s; running again", round, why)
	}
}

// busy says why the running bridge is not quiet yet ("" when it is).
func (r *rig) busy(led *ledger) string {
	var st status
	if err := r.control("/status", &st); err != nil {
		return err.Error()
	}
	for _, s := range []state.State{state.Received, state.Validated, state.Submitting, state.Submitted} {
		if n := st.Totals[string(s)]; n > 0 {
			return fmt.Sprintf("%d file(s) %s", n, s)
		}
	}
	if st.PendingDeliveries > 0 {
		return fmt.Sprintf("%d pending deliveries", st.PendingDeliveries)
	}
	for _, dir := range []string{"inbox", "processing"} {
		if files := listFiles(filepath.Join(r.root, dir)); len(files) > 0 {
			return fmt.Sprintf("%s holds %v", dir, files)
		}
	}
	var files []fileLine
	if err := r.control("/files", &files); err != nil {
		return err.Error()
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Route+"/"+f.Name] = true
		// Quiet means the results writer is done too: a bridge stopped
		// before its first sweep of the journal finished leaves outputs
		// due (the crash harness's files are all attempt 0).
		format := state.FormatPain001
		if strings.HasSuffix(f.Name, ".csv") {
			format = state.FormatCSV
		}
		for _, k := range wantOutputs(&state.File{State: state.State(f.State), Format: format}) {
			if !slices.Contains(f.Outputs, k) {
				return fmt.Sprintf("file %s (%s, %s) waits for its %s", f.ID, f.Name, f.State, k)
			}
		}
	}
	for _, f := range led.all() {
		if !seen[f.Route+"/"+f.Name] {
			return "not journaled yet: " + f.Name
		}
	}
	return ""
}

// unfinished opens the stopped bridge's journal and says what is not done
// ("" when every file is final with its outputs).
func (r *rig) unfinished(led *ledger) string {
	j := r.openJournal()
	defer j.Close(context.Background())
	files, err := j.List(state.Filter{})
	require.NoError(r.t, err)
	for _, f := range files {
		if !f.State.Final() {
			return fmt.Sprintf("file %s (%s) is %s", f.ID, f.Name, f.State)
		}
		for _, k := range wantOutputs(f) {
			if _, ok := f.Outputs[k]; !ok {
				return fmt.Sprintf("file %s (%s, %s) lacks its %s", f.ID, f.Name, f.State, k)
			}
		}
	}
	return ""
}

// wantOutputs are the outbox files a final file must have had (all routes
// write the default results, pain.002 and CSV).
func wantOutputs(f *state.File) []string {
	switch {
	case f.State == state.Completed:
		return []string{"ack", "result.xml", "result.csv"}
	case f.State == state.Rejected && f.Format == "csv":
		return []string{"ack", "result.csv"}
	}
	return []string{"ack"}
}

func (r *rig) openJournal() *state.Store {
	r.t.Helper()
	j, err := state.Open(filepath.Join(r.root, "state", "bridge.db"), state.Options{ReadOnly: true, Timeout: 5 * time.Second})
	require.NoError(r.t, err)
	return j
}

// stuckFiles lists the files not final, from the control endpoint.
func (r *rig) stuckFiles() string {
	var files []fileLine
	if err := r.control("/files", &files); err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, f := range files {
		switch state.State(f.State) {
		case state.Completed, state.Failed, state.Rejected:
		default:
			var full state.File
			_ = r.control("/files/"+f.ID, &full)
			fmt.Fprintf(&b, "  %s %s %s %s\n", f.ID, f.Route, f.Name, f.State)
			for _, s := range full.Steps {
				fmt.Fprintf(&b, "      %s %s %s\n", s.At.Format("15:04:05.000"), s.State, s.Note)
			}
		}
	}
	return b.String()
}

// verdict is what the final check counted.
type verdict struct {
	Logical     int // files the ERP meant to send
	Entries     int // journal entries (a retried upload may add one)
	DupRejected int // entries rejected as duplicates of their own first copy
	Batches     int // batches at the fake
	Instrs      int // instructions at the fake
	Duplicates  int // extra batches or instructions (must be 0)
	Lost        int // logical files not paid exactly once, or whose original is missing (must be 0)
}

func (v verdict) String() string {
	return fmt.Sprintf("%d files dropped → %d journal entries (%d retried-upload copies rejected as duplicates); "+
		"Atlar: %d batches, %d instructions; duplicates %d, lost %d",
		v.Logical, v.Entries, v.DupRejected, v.Batches, v.Instrs, v.Duplicates, v.Lost)
}

// verify checks the promise on a stopped bridge: every file dropped was
// paid exactly once (one batch set or one instruction, by externalId and by
// content), rests byte for byte in archive/ or failed/, has its ack, and
// nothing is left in inbox/ or processing/; the journal is consistent.
func (r *rig) verify(led *ledger) verdict {
	t := r.t
	t.Helper()
	j := r.openJournal()
	defer j.Close(context.Background())

	problems, err := j.Check()
	require.NoError(t, err)
	require.Empty(t, problems, "journal consistency check")
	pending, err := j.PendingDeliveries()
	require.NoError(t, err)
	require.Empty(t, pending, "pending deliveries")
	for _, dir := range []string{"inbox", "processing"} {
		require.Empty(t, listFiles(filepath.Join(r.root, dir)), "%s must be empty", dir)
	}

	entries, err := j.List(state.Filter{})
	require.NoError(t, err)
	byName := map[string][]*state.File{}
	for _, f := range entries {
		byName[f.Route+"/"+f.Name] = append(byName[f.Route+"/"+f.Name], f)
	}
	batches := r.fake.BatchRecords()
	instrs := r.fake.Instructions()
	v := verdict{Logical: len(led.all()), Entries: len(entries), Batches: len(batches), Instrs: len(instrs)}

	// Each journal entry: original in place, byte for byte; its ack.
	resting := map[string]bool{}
	want := map[string]*logical{}
	for _, l := range led.all() {
		want[l.Route+"/"+l.Name] = l
	}
	for _, f := range entries {
		if f.Route == "collections" {
			resting[f.Path], resting[f.Path+".error.txt"] = true, true
			continue // the rest is checked by collections.verify
		}
		l := want[f.Route+"/"+f.Name]
		require.NotNil(t, l, "journal entry %s (%s/%s) is no file the test dropped", f.ID, f.Route, f.Name)
		require.True(t, f.State.Final(), "file %s (%s) is %s", f.ID, f.Name, f.State)
		require.Truef(t, strings.HasPrefix(f.Path, "archive/") || strings.HasPrefix(f.Path, "failed/"),
			"file %s (%s, %s) rests at %s", f.ID, f.Name, f.State, f.Path)
		got, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(f.Path)))
		require.NoError(t, err, "original of %s (%s)", f.ID, f.Name)
		require.True(t, bytes.Equal(l.Data, got), "original of %s (%s) changed", f.ID, f.Name)
		resting[f.Path] = true
		if strings.HasPrefix(f.Path, "failed/") {
			_, err := os.Stat(filepath.Join(r.root, filepath.FromSlash(f.Path)+".error.txt"))
			require.NoError(t, err, "error report of %s (%s)", f.ID, f.Name)
			resting[f.Path+".error.txt"] = true
		}
		for _, kind := range wantOutputs(f) {
			d, err := j.GetDelivery(fmt.Sprintf("file/%s/%d/%s", f.ID, f.Attempt, kind))
			require.NoError(t, err, "%s of %s (%s, %s)", kind, f.ID, f.Name, f.State)
			require.True(t, d.Done)
			out, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(d.Path)))
			require.NoError(t, err, "%s of %s (%s)", kind, f.ID, f.Name)
			if kind == "ack" {
				wantSts := "ACTC"
				if f.State == state.Rejected || f.State == state.Failed {
					wantSts = "RJCT"
				}
				require.Contains(t, string(out), "<GrpSts>"+wantSts+"</GrpSts>", "ack of %s (%s, %s)", f.ID, f.Name, f.State)
			}
		}
	}
	// Nothing rests in archive/ or failed/ that the journal does not know.
	for _, dir := range []string{"archive", "failed"} {
		for _, p := range listFiles(filepath.Join(r.root, dir)) {
			require.True(t, resting[dir+"/"+p], "%s/%s is in no journal entry", dir, p)
		}
	}

	// Each logical file: one entry paid, the others duplicates of it; at
	// Atlar exactly one batch or instruction, with its content.
	for _, l := range led.all() {
		es := byName[l.Route+"/"+l.Name]
		if l.Rejected {
			require.Len(t, es, 1, "%s: one journal entry", l.Name)
			require.Equal(t, state.Rejected, es[0].State, "%s: %v", l.Name, problemsOf(es[0]))
			require.NotEmpty(t, es[0].Problems, l.Name)
			continue
		}
		var paid []*state.File
		for _, f := range es {
			switch {
			case f.State == state.Completed:
				paid = append(paid, f)
			case f.State == state.Rejected && f.DuplicateOf != "" && l.Via == "sftp":
				v.DupRejected++
			default:
				t.Errorf("%s: entry %s ended %s: %v", l.Name, f.ID, f.State, problemsOf(f))
			}
		}
		if len(paid) != 1 {
			v.Lost++
			t.Errorf("%s: %d completed journal entries, want 1 (entries: %v)", l.Name, len(paid), idsOf(es))
			continue
		}
		f := paid[0]
		for _, d := range es {
			if d != f {
				require.Equal(t, f.ID, d.DuplicateOf, "%s: copy %s is a duplicate of the paid entry", l.Name, d.ID)
			}
		}
		if l.Instruction {
			var match []atlartest.InstructionRecord
			for _, in := range instrs {
				if bytes.Equal(in.Content, l.Data) {
					match = append(match, in)
				}
			}
			if len(match) != 1 {
				t.Errorf("%s: %d instructions with its bytes at Atlar, want 1", l.Name, len(match))
				v.Duplicates += max(len(match)-1, 0)
				continue
			}
			require.NotNil(t, f.Instruction)
			require.Equal(t, match[0].ID, f.Instruction.ID, "%s: the journal names the instruction Atlar holds", l.Name)
			continue
		}
		var match []atlartest.BatchRecord
		for _, b := range batches {
			if slices.ContainsFunc(b.Request.Payments, func(p2 atlarPayment) bool { return slices.Contains(l.Payments, p2.ExternalID) }) {
				match = append(match, b)
			}
		}
		if len(match) != 1 {
			t.Errorf("%s: %d batches with its payments at Atlar, want 1", l.Name, len(match))
			v.Duplicates += max(len(match)-1, 0)
			continue
		}
		b := match[0]
		require.Len(t, f.Batches, 1)
		require.Equal(t, f.Batches[0].ID, b.Batch.ID, "%s: the journal names the batch Atlar holds", l.Name)
		require.Equal(t, f.Batches[0].ExternalID, b.Batch.ExternalID, "%s: batch externalId", l.Name)
		require.Len(t, b.Request.Payments, len(l.Payments), "%s: payments in the batch", l.Name)
		for k, p := range b.Request.Payments {
			require.Equal(t, l.Payments[k], p.ExternalID, "%s: payment %d", l.Name, k)
			require.Equal(t, l.Amounts[k], p.Amount.Value, "%s: amount of payment %d", l.Name, k)
		}
	}
	// Nothing at Atlar that no file asked for.
	wantBatches, wantInstrs := 0, 0
	for _, l := range led.all() {
		switch {
		case l.Rejected:
		case l.Instruction:
			wantInstrs++
		default:
			wantBatches++
		}
	}
	if extra := len(batches) - wantBatches; extra != 0 {
		t.Errorf("Atlar holds %d batches for %d batch files", len(batches), wantBatches)
		v.Duplicates += max(extra, 0)
	}
	if extra := len(instrs) - wantInstrs; extra != 0 {
		t.Errorf("Atlar holds %d instructions for %d instruction files", len(instrs), wantInstrs)
		v.Duplicates += max(extra, 0)
	}
	r.checkStatements(j)
	r.checkNoRaces()
	return v
}

// checkStatements: every statement delivered once, no temp file left.
func (r *rig) checkStatements(j *state.Store) {
	ds, err := j.Deliveries("report/")
	require.NoError(r.t, err)
	var want []string
	for _, d := range ds {
		require.True(r.t, d.Done, "statement delivery %s", d.Key)
		want = append(want, strings.TrimPrefix(d.Path, "outbox/statements/"))
	}
	got := listFiles(filepath.Join(r.root, "outbox", "statements"))
	sort.Strings(want)
	require.Equal(r.t, want, got, "statements in the outbox are those delivered, once each")
	for _, p := range listFiles(filepath.Join(r.root, "outbox", "results")) {
		require.False(r.t, strings.HasPrefix(filepath.Base(p), "."), "temp file left in the outbox: %s", p)
	}
	for _, name := range []string{"mt940", "bai2", "mt942"} {
		r.checkReports(j, name)
	}
}

// checkReports: every statement rendered into report name is in its
// folder once (what the journal delivered, no temp file), and for MT940
// the :28C: statement numbers of each account run 1, 2, 3… without a gap
// or a repeat, whatever instant the bridge was killed at.
func (r *rig) checkReports(j *state.Store, name string) {
	ds, err := j.Deliveries("rpt/" + name + "/")
	require.NoError(r.t, err)
	var want []string
	for _, d := range ds {
		require.True(r.t, d.Done, "report delivery %s", d.Key)
		want = append(want, strings.TrimPrefix(d.Path, "outbox/"+name+"/"))
	}
	if stmts, err := j.Deliveries("report/"); err == nil && len(stmts) > 0 && name != "mt942" {
		require.NotEmpty(r.t, want, "statements were delivered, so some were rendered as %s", name)
	}
	dir := filepath.Join(r.root, "outbox", name)
	got := listFiles(dir)
	sort.Strings(want)
	require.Equal(r.t, want, got, "%s reports in the outbox are those delivered, once each", name)
	r.t.Logf("%s: %d reports, each delivered once", name, len(got))
	if name != "mt940" && name != "mt942" {
		return
	}
	seqs := map[string][]int{}
	// An intraday report carries each booking once: its bank reference
	// (after // in :61:) is in one MT942 only, whatever the kills.
	booked := map[string]string{}
	for _, f := range got {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(r.t, err)
		if name == "mt942" {
			for _, m := range regexp.MustCompile(`(?m)^:61:\S*?//(\S+)`).FindAllSubmatch(data, -1) {
				ref := string(m[1])
				require.Empty(r.t, booked[ref], "booking %s in MT942 %s and %s", ref, booked[ref], f)
				booked[ref] = f
			}
		}
		acct := regexp.MustCompile(`(?m)^:25:(\S+)`).FindSubmatch(data)
		seq := regexp.MustCompile(`(?m)^:28C:(\d+)`).FindSubmatch(data)
		require.NotNil(r.t, acct, "%s has :25:", f)
		require.NotNil(r.t, seq, "%s has :28C:", f)
		n, err := strconv.Atoi(string(seq[1]))
		require.NoError(r.t, err)
		seqs[string(acct[1])] = append(seqs[string(acct[1])], n)
	}
	for acct, ns := range seqs {
		sort.Ints(ns)
		for i, n := range ns {
			require.Equal(r.t, i+1, n, "account %s: %s statement numbers %v run without gaps or repeats", acct, name, ns)
		}
	}
}

// checkNoRaces fails if the race-enabled bridge reported a data race.
func (r *rig) checkNoRaces() {
	data, err := os.ReadFile(r.logPath)
	require.NoError(r.t, err)
	if i := bytes.Index(data, []byte("WARNING: DATA RACE")); i >= 0 {
		end := min(len(data), i+4000)
		r.t.Errorf("the bridge reported a data race:\n%s", data[i:end])
	}
	if i := bytes.Index(data, []byte("panic:")); i >= 0 {
		end := min(len(data), i+4000)
		r.t.Errorf("the bridge panicked:\n%s", data[i:end])
	}
}

// listFiles lists the regular files under dir, relative and sorted.
func listFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(out)
	return out
}

func problemsOf(f *state.File) []string {
	var out []string
	for _, p := range f.Problems {
		out = append(out, p.Message)
	}
	return out
}

func idsOf(fs []*state.File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+"="+string(f.State))
	}
	return out
}
