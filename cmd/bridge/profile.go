package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profileEnv names the folder where `bridge run` writes a CPU profile of
// its whole run (cpu.pprof) and, when it stops, an allocation profile
// (allocs.pprof), for `go tool pprof`. It is for benchmarks (bench/):
// operators never set it.
const profileEnv = "ATLAR_BRIDGE_PPROF_DIR"

// startProfile starts profiling when profileEnv is set and returns the
// function that writes the profiles out.
func startProfile(stderr io.Writer) (stop func(), err error) {
	dir := os.Getenv(profileEnv)
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	cpu, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, fmt.Errorf("%s: %w", profileEnv, err)
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		runtime.GC()
		f, err := os.Create(filepath.Join(dir, "allocs.pprof"))
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", profileEnv, err)
		}
	}, nil
}
