package main

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"
)

// runIdle starts a bridge with nothing to do (SFTP, statements, health
// listener and one route on) and watches it for o.idle: resident memory,
// CPU and how often its threads wake up. With o.history its journal first
// gets that many completed files, as after months of work.
func runIdle(o options) error {
	s, err := newSetup(0)
	if err != nil {
		return err
	}
	defer s.close()
	if o.history > 0 {
		start := time.Now()
		if err := prefill(filepath.Join(s.dir, "idle"), o.history); err != nil {
			return fmt.Errorf("history: %w", err)
		}
		fmt.Printf("history: %d completed files journaled in %.1fs\n", o.history, time.Since(start).Seconds())
	}
	b, err := s.startBridge("idle", bridgeConfig{Workers: o.workers})
	if err != nil {
		return err
	}
	defer b.stop()
	// Let start-up work (first statement poll, GC after it) finish.
	time.Sleep(5 * time.Second)

	pid := b.pid()
	cpu0, err := cpuTime(pid)
	if err != nil {
		return err
	}
	wake0, err := wakeups(pid)
	if err != nil {
		return err
	}
	fmt.Printf("idle: bridge with one route, SFTP, statements and /metrics on, %d files in its journal, nothing to do but a /metrics scrape every %s, watched for %s\n",
		o.history, o.scrape, o.idle)
	var rssMax int64
	start := time.Now()
	lastScrape := time.Time{}
	for time.Since(start) < o.idle {
		time.Sleep(time.Second)
		if o.scrape > 0 && time.Since(lastScrape) >= o.scrape {
			// As a Prometheus server would: /metrics reads the journal's
			// file counts.
			lastScrape = time.Now()
			if resp, err := http.Get("http://" + b.httpAddr + "/metrics"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		st, err := procStatus(pid, "VmRSS")
		if err != nil {
			return err
		}
		rssMax = max(rssMax, st["VmRSS"])
	}
	elapsed := time.Since(start)
	cpu1, _ := cpuTime(pid)
	wake1, _ := wakeups(pid)
	st, _ := procStatus(pid, "VmRSS", "VmHWM", "Threads", "RssAnon", "RssFile")
	fmt.Printf("%-44s %7.1f MB (heap %.1f MB, binary and journal map %.1f MB; max %.1f MB, peak since start %.1f MB)   goal <= 30 MB\n",
		"RSS at the end:", float64(st["VmRSS"])/1024, float64(st["RssAnon"])/1024, float64(st["RssFile"])/1024,
		float64(rssMax)/1024, float64(st["VmHWM"])/1024)
	fmt.Printf("%-44s %7.2f %% of one core (%.2f s over %.0f s)   goal: no busy polling\n",
		"CPU:", 100*(cpu1-cpu0).Seconds()/elapsed.Seconds(), (cpu1 - cpu0).Seconds(), elapsed.Seconds())
	fmt.Printf("%-44s %7.1f per second (%d threads)   reference: Go runtime housekeeping alone is a few per second\n",
		"thread wake-ups (context switches):", float64(wake1-wake0)/elapsed.Seconds(), st["Threads"])
	return nil
}
