package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// runBacklog drops o.files one-payment CSV files into the inbox at once,
// with the fake answering every request after o.latency, and measures how
// fast their batches reach Atlar, the bridge's peak RSS, and that no
// payment was created twice.
func runBacklog(o options) error {
	s, err := newSetup(o.latency)
	if err != nil {
		return err
	}
	defer s.close()
	const settle = 2 * time.Second
	b, err := s.startBridge("backlog", bridgeConfig{Settle: settle.String(), Workers: o.workers})
	if err != nil {
		return err
	}
	defer b.stop()

	// Warm-up: one file through, so the account cache is filled.
	if err := os.WriteFile(filepath.Join(b.inbox(), "warm.csv"), oneRowCSV("WARM"), 0o644); err != nil {
		return err
	}
	if err := waitSeen(s.fake, []string{"WARM"}, settle+30*time.Second); err != nil {
		return err
	}

	staging := filepath.Join(b.root, "staging")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	ids := make([]string, o.files)
	for i := range ids {
		ids[i] = fmt.Sprintf("BL-%05d", i)
		if err := os.WriteFile(filepath.Join(staging, ids[i]+".csv"), oneRowCSV(ids[i]), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("backlog: %d one-payment CSV files dropped at once; Atlar latency %s; workers %d; settle %s\n",
		o.files, o.latency, o.workers, settle)

	ctx, stop := context.WithCancel(context.Background())
	peak := make(chan memPeak, 1)
	go func() { peak <- peakRSS(ctx, b.pid()) }()
	cpu0, _ := cpuTime(b.pid())
	self0, _ := cpuTime(os.Getpid())

	req0 := s.fake.srv.Stats().Requests
	t0 := time.Now()
	for _, id := range ids {
		if err := os.Rename(filepath.Join(staging, id+".csv"), filepath.Join(b.inbox(), id+".csv")); err != nil {
			stop()
			return err
		}
	}
	deadline := t0.Add(o.timeout)
	var claimed time.Duration // when the inbox was empty: every file claimed
	for s.fake.seen() < o.files+1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if claimed == 0 {
			if left, err := os.ReadDir(b.inbox()); err == nil && len(left) == 0 {
				claimed = time.Since(t0)
			}
		}
	}
	// Requests per file while files were being submitted (the first
	// polls start 10s after a submit): what bounds the rate at this
	// concurrency and latency.
	perFile := float64(s.fake.srv.Stats().Requests-req0) / float64(max(s.fake.seen()-1, 1))
	var times []time.Duration
	for _, id := range ids {
		if at, ok := s.fake.firstCreate(id); ok {
			times = append(times, at.Sub(t0))
		}
	}
	slices.Sort(times)
	if len(times) < o.files {
		stop()
		return fmt.Errorf("only %d of %d files reached Atlar in %s", len(times), o.files, o.timeout)
	}

	// Acknowledgements (written once Atlar accepted a file) and final
	// results, counted in the outbox.
	acked, results := time.Duration(0), time.Duration(0)
	for time.Now().Before(deadline) {
		acks, res := countResults(b)
		if acks >= o.files+1 && acked == 0 {
			acked = time.Since(t0)
		}
		if res >= o.files+1 {
			results = time.Since(t0)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	cpu1, _ := cpuTime(b.pid())
	self1, _ := cpuTime(os.Getpid())
	stop()
	mem := <-peak

	lo, hi := times[len(times)/10], times[len(times)*9/10]
	sustained := float64(len(times)*8/10) / (hi - lo).Seconds()
	overall := float64(len(times)) / (times[len(times)-1] - settle).Seconds()
	fmt.Printf("%-44s %7.0f files/s   goal >= 200 files/s   ceiling workers/(requests per file x latency) = %d/(%.2f x %s) = %.0f files/s\n",
		"sustained submit rate (10%-90% of files):", sustained, o.workers, perFile, o.latency, float64(o.workers)/(perFile*o.latency.Seconds()))
	fmt.Printf("%-44s %7.0f files/s   (first create after %.2fs, last after %.2fs; the first %s is the settle window)\n",
		"overall submit rate (beyond settle):", overall, times[0].Seconds(), times[len(times)-1].Seconds(), settle)
	if claimed > 0 {
		fmt.Printf("%-44s %7.0f files/s   (inbox empty after %.2fs)\n", "claim rate (beyond settle):",
			float64(o.files)/(claimed-settle).Seconds(), claimed.Seconds())
	}
	fmt.Printf("%-44s %7.1f MB        goal <= 150 MB   (at the highest sample: heap %.0f MB, journal map and binary %.0f MB)\n",
		"peak RSS (VmHWM):", mem.HWM, mem.Anon, mem.File)
	fmt.Printf("%-44s %7.1f s over %.1f s = %.1f ms per file (the fake Atlar and this driver: %.1f s)\n", "bridge CPU:",
		(cpu1 - cpu0).Seconds(), time.Since(t0).Seconds(), float64((cpu1-cpu0).Milliseconds())/float64(o.files), (self1 - self0).Seconds())
	if acked > 0 {
		fmt.Printf("%-44s %7.1f s\n", "all acknowledgements written after:", acked.Seconds())
	} else {
		fmt.Printf("%-44s not within %s\n", "all acknowledgements written:", o.timeout)
	}
	if results > 0 {
		fmt.Printf("%-44s %7.1f s\n", "all final results written after:", results.Seconds())
	} else {
		fmt.Printf("%-44s not within %s\n", "all final results written:", o.timeout)
	}

	// Exactly once: one payment per externalId at Atlar.
	count := map[string]int{}
	for _, p := range s.fake.srv.Payments() {
		count[p.ExternalID]++
	}
	twice, missing := 0, 0
	for _, id := range ids {
		switch {
		case count[id] > 1:
			twice++
		case count[id] == 0:
			missing++
		}
	}
	fmt.Printf("%-44s %7d         goal 0 (%d not yet paid when the run ended)\n", "files paid twice:", twice, missing)
	if twice > 0 {
		return fmt.Errorf("%d files were paid twice", twice)
	}
	return nil
}

// countResults counts acknowledgements and final result files in the
// outbox.
func countResults(b *bridge) (acks, results int) {
	entries, _ := os.ReadDir(filepath.Join(b.root, "data", "outbox", "results"))
	for _, e := range entries {
		switch {
		case strings.HasSuffix(e.Name(), ".ack.xml"):
			acks++
		case strings.HasSuffix(e.Name(), ".result.xml"):
			results++
		}
	}
	return acks, results
}
