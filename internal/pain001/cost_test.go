package pain001

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestReadCost measures what the schema rules cost: it reads a generated
// file of PAIN001_COST_ROWS transactions with and without them, alternating,
// PAIN001_COST_RUNS times each, and logs the fastest of each and their
// ratio. The fastest run is the one the machine's other load disturbed
// least (bench/results.md). It logs the same for the process's CPU time,
// which waiting for a core does not inflate: on a shared machine the
// steadier figure.
//
//	PAIN001_COST_ROWS=100000 go test -run TestReadCost -v ./internal/pain001
func TestReadCost(t *testing.T) {
	rows, err := strconv.Atoi(os.Getenv("PAIN001_COST_ROWS"))
	if err != nil {
		t.Skip("PAIN001_COST_ROWS not set")
	}
	runs, _ := strconv.Atoi(os.Getenv("PAIN001_COST_RUNS"))
	runs = max(runs, 5)
	doc := generate(rows)
	defer func() { schemaRules = true }()
	best, bestCPU := map[bool]time.Duration{}, map[bool]time.Duration{}
	for range runs {
		for _, rules := range []bool{true, false} {
			schemaRules = rules
			// Each run starts from a collected heap, so that neither
			// pays for the garbage the other left (the ratio is the point).
			runtime.GC()
			start, startCPU := time.Now(), cpuTime()
			res, err := Read(bytes.NewReader(doc), Options{Today: "2025-01-02"})
			d, cpu := time.Since(start), cpuTime()-startCPU
			if err != nil || len(res.Problems) > 0 || len(res.Run.Payments) != rows {
				t.Fatalf("%v, %d payments, problems %v", err, len(res.Run.Payments), res.Problems)
			}
			if b, ok := best[rules]; !ok || d < b {
				best[rules] = d
			}
			if b, ok := bestCPU[rules]; !ok || cpu < b {
				bestCPU[rules] = cpu
			}
		}
	}
	t.Logf("%d transactions, fastest of %d: with schema rules %v, without %v: %.3f×",
		rows, runs, best[true], best[false], float64(best[true])/float64(best[false]))
	if bestCPU[false] > 0 {
		t.Logf("CPU time, least of %d: with schema rules %v, without %v: %.3f×",
			runs, bestCPU[true], bestCPU[false], float64(bestCPU[true])/float64(bestCPU[false]))
	}
}
