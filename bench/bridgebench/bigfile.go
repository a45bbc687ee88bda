package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// runBigFile is issue 13's end-to-end figure: one CSV of o.rows payments
// (batches of 1,000) against the fake at o.latency, with a one-row file
// dropped 3 s after it. It measures when all batches were created, when
// the big file's result was written, how long the small file waited for
// its acknowledgement beyond the settle window (head-of-line blocking by
// the journal shows here), and the bridge's peak RSS.
func runBigFile(o options) error {
	s, err := newSetup(o.latency)
	if err != nil {
		return err
	}
	defer s.close()
	const settle = 2 * time.Second
	b, err := s.startBridge("bigfile", bridgeConfig{Settle: settle.String(), Workers: o.workers, PollInterval: "10s"})
	if err != nil {
		return err
	}
	defer b.stop()
	if err := os.WriteFile(filepath.Join(b.inbox(), "warm.csv"), oneRowCSV("WARM"), 0o644); err != nil {
		return err
	}
	if err := waitSeen(s.fake, []string{"WARM"}, settle+30*time.Second); err != nil {
		return err
	}
	if err := waitOutbox(b, "warm", ".result.xml", time.Now().Add(60*time.Second)); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}

	staging := filepath.Join(b.root, "staging")
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	var sb strings.Builder
	sb.WriteString("external_id,source_iban,amount,currency,external_account_id\n")
	ids := make([]string, o.rows)
	for i := range ids {
		ids[i] = fmt.Sprintf("BIG-%06d", i)
		fmt.Fprintf(&sb, "%s,%s,%d.%02d,EUR,%s\n", ids[i], sourceIBAN, 1+i%900, i%100, counterparty)
	}
	if err := os.WriteFile(filepath.Join(staging, "big.csv"), []byte(sb.String()), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(staging, "small.csv"), oneRowCSV("SMALL"), 0o644); err != nil {
		return err
	}
	fmt.Printf("bigfile: one CSV of %d rows (%d batches), a one-row file 3 s later; Atlar latency %s; workers %d; settle %s; result poll 10s\n",
		o.rows, (o.rows+999)/1000, o.latency, o.workers, settle)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	peak := make(chan memPeak, 1)
	go func() { peak <- peakRSS(ctx, b.pid()) }()
	cpu0, _ := cpuTime(b.pid())
	self0, _ := cpuTime(os.Getpid())

	t0 := time.Now()
	if err := os.Rename(filepath.Join(staging, "big.csv"), filepath.Join(b.inbox(), "big.csv")); err != nil {
		return err
	}
	deadline := t0.Add(o.timeout)
	var smallAt, smallAck, created, results time.Duration
	for time.Now().Before(deadline) && (smallAck == 0 || created == 0 || results == 0) {
		now := time.Since(t0)
		if smallAt == 0 && now >= 3*time.Second {
			if err := os.Rename(filepath.Join(staging, "small.csv"), filepath.Join(b.inbox(), "small.csv")); err != nil {
				return err
			}
			smallAt = time.Since(t0)
		}
		if smallAt > 0 && smallAck == 0 && outboxHas(b, "small", ".ack.xml") {
			smallAck = time.Since(t0) - smallAt
		}
		if created == 0 && s.fake.seen() >= o.rows+1 {
			created = lastCreate(s.fake, ids).Sub(t0)
		}
		if results == 0 && outboxHas(b, "big", ".result.xml") {
			results = time.Since(t0)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cpu1, _ := cpuTime(b.pid())
	self1, _ := cpuTime(os.Getpid())
	stop()
	mem := <-peak

	report := func(what string, d time.Duration, goal string) {
		if d == 0 {
			fmt.Printf("%-44s not within %s   %s\n", what, o.timeout, goal)
			return
		}
		fmt.Printf("%-44s %7.2f s   %s\n", what, d.Seconds(), goal)
	}
	report("all batches created after:", created, "goal <= 5 s (includes the 2 s settle)")
	report("big file's results written after:", results, "goal <= 45 s")
	if smallAck > 0 {
		smallAck -= settle
	}
	report("small file's ack beyond its settle:", smallAck, "goal <= 1 s")
	fmt.Printf("%-44s %7.1f MB  goal <= 300 MB   (at the highest sample: heap %.0f MB, journal map and binary %.0f MB)\n",
		"peak RSS (VmHWM):", mem.HWM, mem.Anon, mem.File)
	fmt.Printf("%-44s %7.1f s over %.1f s (the fake Atlar and this driver: %.1f s)\n", "bridge CPU:",
		(cpu1 - cpu0).Seconds(), time.Since(t0).Seconds(), (self1 - self0).Seconds())

	twice := 0
	count := map[string]int{}
	for _, p := range s.fake.srv.Payments() {
		count[p.ExternalID]++
	}
	for _, id := range ids {
		if count[id] > 1 {
			twice++
		}
	}
	fmt.Printf("%-44s %7d     goal 0\n", "payments created twice:", twice)
	if twice > 0 {
		return fmt.Errorf("%d payments were created twice", twice)
	}
	return nil
}

// lastCreate is when the last of ids was first created at the fake.
func lastCreate(f *fake, ids []string) time.Time {
	var last time.Time
	for _, id := range ids {
		if at, ok := f.firstCreate(id); ok && at.After(last) {
			last = at
		}
	}
	return last
}

// outboxHas reports whether the results outbox holds a file whose name
// starts with prefix and ends with suffix.
func outboxHas(b *bridge, prefix, suffix string) bool {
	entries, _ := os.ReadDir(filepath.Join(b.root, "data", "outbox", "results"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), suffix) {
			return true
		}
	}
	return false
}

func waitOutbox(b *bridge, prefix, suffix string, deadline time.Time) error {
	for !outboxHas(b, prefix, suffix) {
		if time.Now().After(deadline) {
			return fmt.Errorf("no %s*%s in the outbox", prefix, suffix)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}
