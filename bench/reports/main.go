// Command reports measures the report renderers on one account-day of
// 100,000 transactions: MT940, BAI2, csv-transactions, each rendered to a
// file in a process of its own so that its peak RSS (VmHWM) is its own.
// The statement model is built in the child before the clock starts (it
// is what camt053.Read hands the reports engine); the time is rendering
// and writing only. A reference child builds the model and writes
// nothing, so the model's own share of the RSS is visible.
//
// The machine is shared, so absolute times swing with its load. After
// each run of a format a reference child writes the same number of bytes
// through a plain bufio.Writer to a file (and fsyncs it), and each format
// is also reported as the ratio of its median time to that reference's
// (how much rendering costs beyond writing the bytes, under the same
// load) and to the MT940 render's median of the same run.
//
//	go run ./bench/reports                 # 100,000 entries, 3 runs each
//	go run ./bench/reports -n 20000 -runs 1
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/bai2"
	"github.com/atlarbridge/bridge/internal/bankstmt"
	"github.com/atlarbridge/bridge/internal/bankstmt/bankstmttest"
	"github.com/atlarbridge/bridge/internal/camt053"
	"github.com/atlarbridge/bridge/internal/mt940"
	"github.com/atlarbridge/bridge/internal/reportcsv"
)

var formats = []string{"model-only", "mt940", "bai2", "csv-transactions", "camt054", "camt053-read"}

func main() {
	child := flag.String("child", "", "internal: render one format to the file argument")
	n := flag.Int("n", 100_000, "transactions in the account-day")
	runs := flag.Int("runs", 3, "runs per format")
	size := flag.Int64("bytes", 0, "internal: bytes the plain-write reference child writes")
	flag.Parse()
	if *child == "plain" {
		if err := plainWrite(*size, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "reports:", err)
			os.Exit(1)
		}
		return
	}
	if *child != "" {
		if err := runChild(*child, *n, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, "reports:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*n, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "reports:", err)
		os.Exit(1)
	}
}

func run(n, runs int) error {
	dir, err := os.MkdirTemp("", "reportsbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%d transactions in one account-day, %d run(s) each; goal ≤ 1.5 s and peak RSS ≤ 150 MB per format\n", n, runs)
	camt := filepath.Join(dir, "in.camt053.xml")
	if err := writeCamt(camt, n); err != nil {
		return err
	}
	var mt940Secs float64 // the MT940 median, the second reference
	for _, f := range formats {
		var secs, rss, refs []float64
		var size int64
		for range runs {
			out := filepath.Join(dir, f)
			if f == "camt053-read" {
				out = camt
			}
			s, r, err := measure(self, f, "-child", f, "-n", strconv.Itoa(n), out)
			if err != nil {
				return err
			}
			secs, rss = append(secs, s), append(rss, r)
			if fi, err := os.Stat(out); err == nil {
				size = fi.Size()
			}
			if out != camt {
				_ = os.Remove(out)
			}
			if f == "model-only" || f == "camt053-read" {
				continue // nothing written: no plain write to compare with
			}
			plain := filepath.Join(dir, "plain")
			s, _, err = measure(self, "plain", "-child", "plain", "-bytes", strconv.FormatInt(size, 10), plain)
			if err != nil {
				return err
			}
			refs = append(refs, s)
			_ = os.Remove(plain)
		}
		ratio := "     —"
		if len(refs) > 0 {
			ratio = fmt.Sprintf("%5.1f×", median(secs)/median(refs))
		}
		if f == "mt940" {
			mt940Secs = median(secs)
		}
		vsMT940 := "     —"
		if mt940Secs > 0 && len(refs) > 0 {
			vsMT940 = fmt.Sprintf("%5.2f×", median(secs)/mt940Secs)
		}
		fmt.Printf("%-17s median %.3f s  peak RSS %.0f MB  file %.1f MB  plain write of the same bytes %.3f s  ratio %s  vs mt940 %s\n",
			f, median(secs), median(rss), float64(size)/1e6, medianOr0(refs), ratio, vsMT940)
	}
	return nil
}

// measure runs one child and returns the seconds and peak RSS (MB) it
// reported.
func measure(self, name string, args ...string) (secs, rssMB float64, err error) {
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", name, err)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return 0, 0, fmt.Errorf("%s: child printed %q", name, b)
	}
	if secs, err = strconv.ParseFloat(fields[0], 64); err == nil {
		rssMB, err = strconv.ParseFloat(fields[1], 64)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%s: child printed %q: %w", name, b, err)
	}
	return secs, rssMB, nil
}

// plainWrite is the reference: size bytes of 80-character lines through
// a bufio.Writer to path, then fsync, timed like a format's child.
func plainWrite(size int64, path string) error {
	line := []byte(strings.Repeat("x", 79) + "\n")
	start := time.Now()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 256<<10)
	for left := size; left > 0 && err == nil; left -= int64(len(line)) {
		_, err = w.Write(line[:min(int64(len(line)), left)])
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return report(time.Since(start).Seconds())
}

func medianOr0(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return median(v)
}

func median(v []float64) float64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// writeCamt writes the account-day as Atlar's camt.053.001.02, the input
// the reports engine reads (camt053.Read) before rendering.
func writeCamt(path string, n int) error {
	doc, err := camt053.Render(camt053.V02, camtModel(n))
	if err != nil {
		return err
	}
	return os.WriteFile(path, doc, 0o600)
}

// camtModel is the account-day in camt053's model (what camt053.Read
// gives the engine).
func camtModel(n int) camt053.Statement {
	st := bankstmttest.Many(n)
	c := camt053.Statement{MsgID: "M", ID: "S", CreatedAt: st.CreatedAt, From: st.OpeningDate, To: st.Date,
		Account: camt053.Account{IBAN: st.IBAN, Currency: st.Currency}, Opening: st.Opening, Closing: st.Closing}
	for _, e := range st.Entries {
		c.Entries = append(c.Entries, camt053.Entry{Amount: e.Amount, Currency: st.Currency, Credit: e.Credit,
			BookingDate: e.BookingDate.Format(time.DateOnly), ValueDate: e.ValueDate.Format(time.DateOnly),
			AcctSvcrRef: e.BankRef, EndToEndID: e.EndToEndID, Reference: e.Remittance,
			Domain: e.Domain, Family: e.Family, SubFamily: e.SubFamily,
			CounterpartName: e.CounterpartName, CounterpartIBAN: e.CounterpartIBAN, CounterpartBIC: e.CounterpartBIC})
	}
	return c
}

func runChild(format string, n int, path string) error {
	ctx := context.Background()
	if format == "camt053-read" {
		// File bytes in memory first: the engine gets them from the API.
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		start := time.Now()
		stmts, err := camt053.Read(data)
		if err != nil {
			return err
		}
		if _, err := bankstmt.FromCamt053("S", stmts[0]); err != nil {
			return err
		}
		return report(time.Since(start).Seconds())
	}
	if format == "camt054" {
		// Streamed from the bankstmt model, as the reports engine has it:
		// no camt053 copy of the day.
		st := bankstmttest.Many(n)
		hdr := camt053.Statement{MsgID: "NTF", ID: "NTF", CreatedAt: st.CreatedAt,
			Account: camt053.Account{IBAN: st.IBAN, Currency: st.Currency}}
		start := time.Now()
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		err = camt053.WriteNotificationEntries(f, camt053.Notification02, hdr, st.Camt053Entries())
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return report(time.Since(start).Seconds())
	}
	st := bankstmttest.Many(n)
	start := time.Now()
	if format != "model-only" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 256<<10)
		switch format {
		case "mt940":
			err = mt940.Render(ctx, w, mt940.Header{StatementNo: 1}, &st, mt940.Options{})
		case "bai2":
			err = bai2.Render(ctx, w, bai2.Header{FileID: 1, Created: start}, []bankstmt.Statement{st}, bai2.Options{})
		case "csv-transactions":
			err = reportcsv.Transactions(ctx, w, []bankstmt.Statement{st}, reportcsv.Options{})
		default:
			err = fmt.Errorf("unknown format %q", format)
		}
		if err == nil {
			err = w.Flush()
		}
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return report(time.Since(start).Seconds())
}

func report(secs float64) error {
	rss, err := peakRSS()
	if err != nil {
		return err
	}
	fmt.Printf("%.4f %.1f\n", secs, rss)
	return nil
}

func peakRSS() (float64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}
