package crashtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// parsePeakBound is the most the bridge may hold at its peak while the
// hostile files below are parsed: about the files themselves (all within
// the default parse_budget, so read at once) and the bridge at rest.
// Before the caps and the parse budget, four 30 MB many-column CSVs at
// once took it to 4.5 GB. A -race build keeps shadow memory for every
// heap byte it touches, about twice the heap again: its bound is 3x.
func parsePeakBound() int64 {
	if raceEnabled {
		return 3 * 400 << 20
	}
	return 400 << 20
}

// TestHostile_ParsingMemory drops, at once, files below max_file_size
// that cost many times their size to parse without caps: four 30 MiB CSVs
// of 15 M columns each, a 32 MiB CSV of one line, and a pain.001 with a
// 32 MiB text node. Each is rejected naming the cap it broke, kept byte
// for byte, and the bridge's peak memory stays bounded.
func TestHostile_ParsingMemory(t *testing.T) {
	r := newRig(t, rigOptions{})
	p := r.start("")
	r.waitReady(p, 30*time.Second)

	columns := bytes.Repeat([]byte("a,"), 15<<20)
	oneLine := bytes.Repeat([]byte("x"), 32<<20)
	xmlText := []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr>` + "\n<MsgId>" +
		strings.Repeat("m", 32<<20) + "</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>\n")
	drops := map[string][]byte{
		"payables/columns-1.csv": columns, "payables/columns-2.csv": columns,
		"payables/columns-3.csv": columns, "payables/columns-4.csv": columns,
		"payables/oneline.csv": oneLine,
		"sepa/bigtext.xml":     xmlText,
	}
	want := map[string]string{ // file → the cap its problem names
		"columns-1.csv": "max_csv_fields", "columns-2.csv": "max_csv_fields",
		"columns-3.csv": "max_csv_fields", "columns-4.csv": "max_csv_fields",
		"oneline.csv": "max_csv_line", "bigtext.xml": "max_xml_text",
	}
	for rel, data := range drops {
		require.NoError(t, os.WriteFile(filepath.Join(r.root, "inbox", rel+".part"), data, 0o644))
	}
	start := time.Now()
	for rel := range drops { // all at once, as a batch export lands
		require.NoError(t, os.Rename(filepath.Join(r.root, "inbox", rel+".part"), filepath.Join(r.root, "inbox", rel)))
	}
	var files []fileLine
	require.Eventually(t, func() bool {
		files = nil
		_ = r.control("/files?state=rejected", &files)
		return len(files) == len(drops)
	}, 90*time.Second, 50*time.Millisecond, "all rejected")
	t.Logf("all %d rejected %s after the drop", len(drops), time.Since(start).Round(time.Millisecond))
	for _, fl := range files {
		require.Eventually(t, func() bool {
			_, err := os.Stat(filepath.Join(r.root, "outbox", "results", fl.Name+".ack.xml"))
			return err == nil
		}, 30*time.Second, 20*time.Millisecond, "%s acknowledged", fl.Name)
	}
	rss := peakRSS(t, p)
	t.Logf("peak memory of the bridge (race=%v): %d MiB (bound %d MiB)", raceEnabled, rss>>20, parsePeakBound()>>20)
	require.Less(t, rss, parsePeakBound(), "parsing is capped and budgeted")
	require.Equal(t, 0, r.stop(p))

	j := r.openJournal()
	defer j.Close(context.Background())
	for _, fl := range files {
		f, err := j.Get(fl.ID)
		require.NoError(t, err)
		require.Equal(t, state.Rejected, f.State)
		require.NotEmpty(t, f.Problems, f.Name)
		last := f.Problems[len(f.Problems)-1]
		require.Equal(t, "FF01", last.Code, f.Name)
		require.Contains(t, last.Message, want[f.Name], "%s: the problem names the cap", f.Name)
		kept, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(f.Path)))
		require.NoError(t, err)
		require.True(t, bytes.Equal(drops[f.Route+"/"+f.Name], kept), "%s kept byte for byte", f.Name)
	}
	require.Empty(t, r.fake.Batches())
	require.Empty(t, r.fake.Instructions())
}
