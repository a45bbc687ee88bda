// Command convert measures what the bridge does with one large payment file
// before it talks to Atlar, each step in a process of its own so that its
// peak RSS is its own:
//
//   - a 100,000-row CSV (Windows-1252, ";", decimal comma) validated and
//     converted into credit-transfer batch requests (inbound.BuildPlan, then
//     each request body encoded as the pipeline journals it);
//   - a 100,000-transaction pain.001.001.03 (~60 MB) parsed and checked for
//     forwarding (instruction mode, strict).
//
// The reference, alternated with it in the same run, is the floor a parser
// of that format cannot go below: the same file read, decoded and split by
// the standard library (encoding/csv; encoding/xml's token loop).
//
//	go run ./bench/convert                # 100,000 rows, 5 runs each
//	go run ./bench/convert -rows 20000 -runs 3
//	CONVERT_PPROF_DIR=/tmp/p go run ./bench/convert   # profiles of each child
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	child := flag.String("child", "", "internal: run one measurement (csv, csv-ref, pain001, pain001-ref) on the file argument")
	rows := flag.Int("rows", 100_000, "rows / transactions per file")
	runs := flag.Int("runs", 5, "alternating runs per measurement")
	flag.Parse()
	if *child != "" {
		if err := runChild(*child, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "convert:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*rows, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "convert:", err)
		os.Exit(1)
	}
}

// result is one child's run: its own timing of the work, the payments it
// found, and its peak RSS.
type result struct {
	secs     float64
	payments int
	rssMB    float64
}

func run(rows, runs int) error {
	dir, err := os.MkdirTemp("", "convertbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	today := time.Now()
	files := map[string]string{"csv": filepath.Join(dir, "run.csv"), "pain001": filepath.Join(dir, "run.xml")}
	if err := os.WriteFile(files["csv"], csvFile(rows, today), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(files["pain001"], painFile(rows, today), 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	measure := func(kind, file string) (result, error) {
		cmd := exec.Command(self, "-child", kind, file)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", kind, err)
		}
		f := strings.Fields(string(out))
		if len(f) != 3 {
			return result{}, fmt.Errorf("%s: unexpected output %q", kind, out)
		}
		var r result
		r.secs, _ = strconv.ParseFloat(f[0], 64)
		r.payments, _ = strconv.Atoi(f[1])
		kb, _ := strconv.ParseFloat(f[2], 64)
		r.rssMB = kb / 1024
		return r, nil
	}

	goals := map[string]struct {
		secs, rss float64
		what      string
	}{
		"csv":     {1.5, 200, "validated and converted"},
		"pain001": {2, 250, "parsed and checked"},
	}
	for _, kind := range []string{"csv", "pain001"} {
		fi, err := os.Stat(files[kind])
		if err != nil {
			return err
		}
		var subj, ref []result
		for i := range runs {
			order := []string{kind, kind + "-ref"}
			if i%2 == 1 {
				slices.Reverse(order)
			}
			for _, k := range order {
				r, err := measure(k, files[kind])
				if err != nil {
					return err
				}
				if k == kind {
					if r.payments != rows {
						return fmt.Errorf("%s: %d payments, want %d", kind, r.payments, rows)
					}
					subj = append(subj, r)
				} else {
					ref = append(ref, r)
				}
			}
		}
		s, rf := medians(subj), medians(ref)
		g := goals[kind]
		fmt.Printf("%-8s %d rows, %.1f MB, %s: %5.2f s  peak RSS %5.1f MB   goal <= %.1f s, <= %.0f MB   reference (stdlib decode only) %5.2f s %5.1f MB = %.1fx the time\n",
			kind, rows, float64(fi.Size())/1e6, g.what, s.secs, s.rssMB, g.secs, g.rss, rf.secs, rf.rssMB, s.secs/rf.secs)
	}
	return nil
}

// medians takes the median time and the median peak RSS of runs.
func medians(rs []result) result {
	var secs, rss []float64
	for _, r := range rs {
		secs = append(secs, r.secs)
		rss = append(rss, r.rssMB)
	}
	return result{secs: median(secs), rssMB: median(rss)}
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
