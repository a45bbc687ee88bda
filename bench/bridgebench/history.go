package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
)

// prefill writes n completed one-payment files into a new journal under
// root, each with its journey and outputs as the bridge records them: the
// history a bridge has after months of work.
func prefill(root string, n int) error {
	s, err := state.Open(filepath.Join(root, "data", "state", "bridge.db"), state.Options{})
	if err != nil {
		return err
	}
	defer s.Close(context.Background())
	at := time.Now().UTC().Add(-30 * 24 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				if err := s.Create(historyFile(i, at.Add(time.Duration(i)*time.Minute)), "received"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	// The bridge that wrote them has long written their outputs and
	// looked at them since.
	for {
		chs, err := s.Changed("", 1000)
		if err != nil || len(chs) == 0 {
			return err
		}
		if err := s.Seen(chs); err != nil {
			return err
		}
	}
}

func historyFile(i int, at time.Time) *state.File {
	id := state.NewID(at)
	name := fmt.Sprintf("HIST-%06d.csv", i)
	f := &state.File{
		ID: id, Route: "payables", Format: "csv", Name: name, Size: 128,
		SHA256: fmt.Sprintf("%064x", i), Source: "folder", State: state.Completed,
		ReceivedAt: at, UpdatedAt: at.Add(time.Minute), SubmittedAt: at.Add(time.Second),
		Path:      fmt.Sprintf("archive/%s/%s_%s_%s", at.Format(time.DateOnly), at.Format("20060102T150405Z"), id, name),
		InboxPath: "inbox/payables/" + name,
		Batches: []state.Batch{{Index: 0, First: 0, Count: 1, ID: fmt.Sprintf("batch-%06d", i),
			ExternalID: id + "-1", IdempotencyKey: id + "-batch-1-a0", Status: "COMPLETED", ResultsRead: true, FirstTry: at}},
		Payments: []state.Payment{{Row: 1, ExternalID: fmt.Sprintf("HIST-%06d", i), Amount: 1234, Currency: "EUR",
			PaymentID: fmt.Sprintf("pay-%06d", i), Status: "EXECUTED"}},
		Outputs: map[string]time.Time{"ack": at, "result.xml": at, "result.csv": at},
	}
	for _, note := range []string{"valid: 1 payments", "submitting to Atlar", "batch 1/1 created at Atlar",
		"submitted: Atlar accepted the file", "wrote outbox/results/" + name + ".ack.xml", "batch 1: COMPLETED",
		"completed: 1 EXECUTED", "wrote outbox/results/" + name + ".result.xml", "wrote outbox/results/" + name + ".result.csv"} {
		f.Steps = append(f.Steps, state.Step{At: at, State: state.Completed, Note: note})
	}
	return f
}
