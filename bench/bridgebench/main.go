// Command bridgebench runs the built bridge (`bridge run`) against the fake
// Atlar on loopback and prints one line per figure with its goal and
// reference:
//
//	go run ./bench/bridgebench latency   # SFTP close / folder settle → first Atlar request
//	go run ./bench/bridgebench backlog   # 10 000 one-payment CSV files dropped at once
//	go run ./bench/bridgebench idle      # RSS, CPU and wake-ups with nothing to do
//	go run ./bench/bridgebench bigfile   # one 50,000-row CSV, then a one-row file (issue 13)
//
// It builds the bridge from the working tree into a temp folder first. Set
// KEEP=1 to keep that folder (configs, journals, logs) for a look after, and
// ATLAR_BRIDGE_PPROF_DIR=D to have the bridge write CPU and allocation
// profiles into D.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"
)

type options struct {
	workers  int
	samples  int
	rounds   int
	interval time.Duration
	files    int
	latency  time.Duration
	timeout  time.Duration
	idle     time.Duration
	history  int
	scrape   time.Duration
	rows     int
}

// latencySet reports whether -latency was given.
func latencySet() bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "latency" })
	return set
}

func main() {
	var o options
	flag.IntVar(&o.workers, "workers", 0, "inbound.workers (default: 4 for latency and idle, 32 for backlog)")
	flag.IntVar(&o.samples, "samples", 100, "latency: uploads and drops per round, each")
	flag.IntVar(&o.rounds, "rounds", 3, "latency: rounds; the figures are medians over rounds")
	flag.DurationVar(&o.interval, "interval", 100*time.Millisecond, "latency: time between two sends")
	flag.IntVar(&o.files, "files", 10000, "backlog: files dropped")
	flag.DurationVar(&o.latency, "latency", 50*time.Millisecond, "backlog: Atlar's answer latency")
	flag.DurationVar(&o.timeout, "timeout", 150*time.Second, "backlog: give up after this long")
	flag.DurationVar(&o.idle, "for", 60*time.Second, "idle: how long to watch")
	flag.IntVar(&o.history, "history", 0, "idle: completed files journaled before the start (a bridge after months of work)")
	flag.DurationVar(&o.scrape, "scrape", 15*time.Second, "idle: GET /metrics this often, as Prometheus would; 0 for never")
	flag.IntVar(&o.rows, "rows", 50_000, "bigfile: rows of the big CSV")
	flag.StringVar(&tree, "tree", "", "build the bridge from this source tree instead (e.g. `git archive HEAD` unpacked) for before/after figures")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of this driver (the fake Atlar) to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: go run ./bench/bridgebench [flags] latency|backlog|idle|bigfile")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	var run func(options) error
	switch flag.Arg(0) {
	case "latency":
		run = runLatency
	case "backlog":
		run = runBacklog
		if o.workers == 0 {
			o.workers = 32
		}
	case "idle":
		run = runIdle
	case "bigfile":
		run = runBigFile
		if o.latency == 50*time.Millisecond && !latencySet() {
			o.latency = 0 // issue 13's figure: the fake at 0 ms
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
	if o.workers == 0 {
		o.workers = 4
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bridgebench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bridgebench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
