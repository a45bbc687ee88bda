package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/atlarbridge/bridge/internal/config"
	"github.com/atlarbridge/bridge/internal/inbound"
	"golang.org/x/text/encoding/charmap"
)

// routesConfig holds the two routes measured, as an operator would
// configure them.
const routesConfig = `version = 1
[atlar]
access_key = "bench"
secret_env = "BENCH_SECRET"
[[routes]]
name = "payables"
format = "csv"
csv_profile = "sap"
[[routes]]
name = "sepa"
format = "pain001"
mode = "instruction"
connection_id = "36bd5bf7-8eb4-426e-a9ab-08f2bf7f5f18"
[csv_profiles.sap]
delimiter = ";"
decimal = ","
thousands = "."
date_format = "DD.MM.YYYY"
encoding = "windows-1252"
columns = { external_id = "Belegnummer", source_iban = "Konto", amount = "Betrag", currency = "Währung", execution_date = "Datum", creditor_name = "Empfänger", creditor_iban = "IBAN", creditor_bic = "BIC", reference = "Verwendungszweck" }
`

// runChild does one measurement and prints "<seconds> <payments> <peak RSS
// in kB>".
func runChild(kind, file string) error {
	if dir := os.Getenv("CONVERT_PPROF_DIR"); dir != "" {
		// CPU and heap profiles of the subject, for go tool pprof.
		f, err := os.Create(filepath.Join(dir, kind+".cpu.pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if h, err := os.Create(filepath.Join(dir, kind+".allocs.pprof")); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(h, 0)
				h.Close()
			}
		}()
	}
	start := time.Now()
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var n int
	switch kind {
	case "csv", "pain001":
		n, err = plan(kind, file, data)
	case "csv-ref":
		n, err = splitCSV(data)
	case "pain001-ref":
		n, err = tokenizeXML(data)
	default:
		err = fmt.Errorf("unknown measurement %q", kind)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	// VmHWM, not the parent's rusage: Linux carries ru_maxrss over fork and
	// exec, so a child's would include the parent's (these big files).
	hwm, err := vmHWM()
	if err != nil {
		return err
	}
	fmt.Printf("%.4f %d %d\n", secs, n, hwm)
	return nil
}

// vmHWM is this process's peak resident memory in kB.
func vmHWM() (int64, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// plan runs the route's validation and conversion, as the pipeline's
// validate step does, and encodes each batch request body it journals.
func plan(kind, file string, data []byte) (int, error) {
	cfg, err := config.Parse(strings.NewReader(routesConfig), "bench.toml")
	if err != nil {
		return 0, err
	}
	name := map[string]string{"csv": "payables", "pain001": "sepa"}[kind]
	var route inbound.Route
	for i := range cfg.Routes {
		if cfg.Routes[i].Name == name {
			if route, err = inbound.RouteFromConfig(cfg, &cfg.Routes[i]); err != nil {
				return 0, err
			}
		}
	}
	p, probs, err := inbound.BuildPlan(context.Background(), &route, inbound.PlanInput{
		FileID: "01BENCH0000000000000000000", Name: file, Data: data, Today: time.Now().Format(time.DateOnly),
	}, nil)
	if err != nil {
		return 0, err
	}
	if len(probs) > 0 {
		return 0, fmt.Errorf("%d problems, first: %s", len(probs), probs[0].String())
	}
	for i := range p.Batches {
		if _, err := json.Marshal(&p.Batches[i]); err != nil {
			return 0, err
		}
	}
	return len(p.Payments), nil
}

// splitCSV decodes Windows-1252 and splits the records with encoding/csv,
// keeping them: the least a CSV validator does.
func splitCSV(data []byte) (int, error) {
	r := csv.NewReader(charmap.Windows1252.NewDecoder().Reader(bytes.NewReader(data)))
	r.Comma = ';'
	var records [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, err
		}
		records = append(records, rec)
	}
	return len(records) - 1, nil
}

// tokenizeXML walks every token with encoding/xml, counting transactions:
// the least a streaming pain.001 checker does.
func tokenizeXML(data []byte) (int, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "CdtTrfTxInf" {
			n++
		}
	}
}
