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
// least (bench/results.md).
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
	best := map[bool]time.Duration{}
	for range runs {
		for _, rules := range []bool{true, false} {
			schemaRules = rules
			// Each run starts from a collected heap, so that neither
			// pays for the garbage the other left (the ratio is the point).
			runtime.GC()
			start := time.Now()
			res, err := Read(bytes.NewReader(doc), Options{Today: "2025-01-02"})
			d := time.Since(start)
			if err != nil || len(res.Problems) > 0 || len(res.Run.Payments) != rows {
				t.Fatalf("%v, %d payments, problems %v", err, len(res.Run.Payments), res.Problems)
			}
			if b, ok := best[rules]; !ok || d < b {
				best[rules] = d
			}
		}
	}
	t.Logf("%d transactions, fastest of %d: with schema rules %v, without %v: %.3f×",
		rows, runs, best[true], best[false], float64(best[true])/float64(best[false]))
}
