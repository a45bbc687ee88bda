package crashtest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// TestHostile_FileNames drops valid payment runs under names an ERP (or an
// attacker) might use: unicode, spaces, dots, control characters and the
// longest name a file system allows. Each must be paid once, archived
// under its own bytes and acknowledged.
func TestHostile_FileNames(t *testing.T) {
	r := newRig(t, rigOptions{SFTP: true})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	folder := []string{
		"Zahlungslauf März 2026 €.csv",
		"支払い 日本語.csv",
		"  spaces  around  .csv",
		"a..b...csv",
		"tab\there.csv",
		"new\nline.csv",
		"bell\a and escape\x1b[31m.csv",
		`back\slash 'quote' "double" <xml>&amp;.csv`,
		strings.Repeat("n", 251) + ".csv",
		strings.Repeat("é", 125) + ".csv", // 250 bytes of two-byte runes
	}
	sftpNames := []string{
		"SFTP Überweisung €.csv",
		strings.Repeat("s", 251) + ".csv",
	}
	rng := newRand(11, 11)
	for i, name := range append(folder, sftpNames...) {
		f := csvFile(rng, "payables", "NAME", i+1)
		f.Name = name
		f.Via = "folder"
		if i >= len(folder) {
			f.Via = "sftp"
			require.NoError(t, r.dropSFTP(f), "upload %q", name)
		} else {
			require.NoError(t, r.dropFolder(f), "drop %q", name)
		}
		led.add(f)
	}
	require.Equal(t, 0, r.stop(p))
	r.drain(led, 60*time.Second)
	v := r.verify(led)
	t.Logf("verdict: %s", v)
}

// TestHostile_HugeFiles drops files over a route's max_file_size: a 300
// MiB sparse file on a route with the default 256 MiB limit, and a 1 MiB
// file on a route limited to 64 KiB. Both are rejected for their size
// without being read (no sha256 in the journal), kept byte for byte in
// failed/, and acknowledged with a rejection.
func TestHostile_HugeFiles(t *testing.T) {
	r := newRig(t, rigOptions{Extra: "[[routes]]\nname = \"small\"\nformat = \"csv\"\nmax_file_size = \"64KiB\"\n"})
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	const huge = 300 << 20
	drops := map[string]int64{"payables/huge.csv": huge, "small/big.csv": 1 << 20}
	for rel, size := range drops {
		tmp := filepath.Join(r.root, "inbox", rel+".part")
		fh, err := os.Create(tmp)
		require.NoError(t, err)
		if size == huge {
			require.NoError(t, fh.Truncate(size)) // sparse: costs no disk
		} else {
			_, err = fh.Write(make([]byte, size))
			require.NoError(t, err)
		}
		require.NoError(t, fh.Close())
		require.NoError(t, os.Rename(tmp, filepath.Join(r.root, "inbox", rel)))
	}
	start := time.Now()
	var files []fileLine
	require.Eventually(t, func() bool {
		files = nil
		_ = r.control("/files?state=rejected", &files)
		return len(files) == 2
	}, 30*time.Second, 20*time.Millisecond, "both rejected")
	t.Logf("both rejected %s after the drop", time.Since(start).Round(time.Millisecond))
	for _, name := range []string{"huge.csv.ack.xml", "big.csv.ack.xml", "huge.csv.result.csv", "big.csv.result.csv"} {
		require.Eventually(t, func() bool {
			_, err := os.Stat(filepath.Join(r.root, "outbox", "results", name))
			return err == nil
		}, 30*time.Second, 20*time.Millisecond, "%s in the outbox", name)
	}
	result, err := os.ReadFile(filepath.Join(r.root, "outbox", "results", "huge.csv.result.csv"))
	require.NoError(t, err)
	require.Contains(t, string(result), "268435456", "the result CSV gives the reason, not the 300 MiB echoed")
	// The result CSV once echoed the original, reading all 300 MiB of it.
	rss := peakRSS(t, p)
	t.Logf("peak memory of the bridge: %d MiB", rss>>20)
	require.Less(t, rss, int64(200<<20), "an oversize file is never read into memory")
	require.Equal(t, 0, r.stop(p))

	j := r.openJournal()
	defer j.Close(context.Background())
	for _, fl := range files {
		f, err := j.Get(fl.ID)
		require.NoError(t, err)
		size := drops[f.Route+"/"+f.Name]
		require.Equal(t, size, f.Size, f.Name)
		require.Empty(t, f.SHA256, "%s was not hashed (not read)", f.Name)
		require.Equal(t, state.Rejected, f.State)
		require.Equal(t, "FF01", f.Problems[0].Code, f.Name)
		require.Contains(t, f.Problems[0].Message, strconv.Itoa(int(size)), f.Name)
		kept := filepath.Join(r.root, filepath.FromSlash(f.Path))
		require.Equal(t, zeroSum(size), fileSum(t, kept), "%s kept byte for byte", f.Name)
		_, err = os.Stat(kept + ".error.txt")
		require.NoError(t, err)
		d, err := j.GetDelivery(fmt.Sprintf("file/%s/0/ack", f.ID))
		require.NoError(t, err, "ack of %s", f.Name)
		ack, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(d.Path)))
		require.NoError(t, err)
		require.Contains(t, string(ack), "<GrpSts>RJCT</GrpSts>")
	}
	require.Empty(t, r.fake.Batches())
}

func zeroSum(n int64) string {
	h := sha256.New()
	_, _ = io.CopyN(h, zeroReader{}, n)
	return fmt.Sprintf("%x", h.Sum(nil))
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	h := sha256.New()
	_, err = io.Copy(h, fh)
	require.NoError(t, err)
	return fmt.Sprintf("%x", h.Sum(nil))
}

// billionLaughs is the classic entity-expansion bomb: expanded, lol9 would
// be 10^9 "lol"s (3 GB).
const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr>
<MsgId>&lol9;</MsgId><CreDtTm>2026-01-02T09:30:00</CreDtTm><NbOfTxs>1</NbOfTxs><CtrlSum>1.00</CtrlSum>
<InitgPty><Nm>&lol9;</Nm></InitgPty></GrpHdr></CstmrCdtTrfInitn></Document>
`

// externalEntity tries to read a local file into the message (XXE).
const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn><GrpHdr>
<MsgId>XXE-1</MsgId><CreDtTm>2026-01-02T09:30:00</CreDtTm><NbOfTxs>1</NbOfTxs><CtrlSum>1.00</CtrlSum>
<InitgPty><Nm>&xxe;</Nm></InitgPty></GrpHdr></CstmrCdtTrfInitn></Document>
`

// TestHostile_XMLEntities drops an entity-expansion bomb and an external
// entity into both pain.001 routes: Go's XML decoder expands neither, so
// each file is rejected at once, the bridge's memory stays small, and no
// local file's content leaks into an error report or acknowledgement.
func TestHostile_XMLEntities(t *testing.T) {
	r := newRig(t, rigOptions{})
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	for _, route := range []string{"sepa", "sepa-transfers"} {
		for name, doc := range map[string]string{"bomb.xml": billionLaughs, "xxe.xml": externalEntity} {
			require.NoError(t, os.WriteFile(filepath.Join(r.root, "inbox", route, name), []byte(doc), 0o644))
		}
	}
	var files []fileLine
	require.Eventually(t, func() bool {
		files = nil
		_ = r.control("/files?state=rejected", &files)
		return len(files) == 4
	}, 30*time.Second, 20*time.Millisecond, "all four rejected")
	rss := peakRSS(t, p)
	t.Logf("peak memory of the bridge after the bombs: %d MiB", rss>>20)
	require.Less(t, rss, int64(512<<20), "entity expansion must not happen")
	require.Equal(t, 0, r.stop(p))

	passwd, _ := os.ReadFile("/etc/passwd")
	firstLine, _, _ := strings.Cut(string(passwd), "\n")
	for _, dir := range []string{"failed", "outbox"} {
		for _, rel := range listFiles(filepath.Join(r.root, dir)) {
			data, err := os.ReadFile(filepath.Join(r.root, dir, rel))
			require.NoError(t, err)
			if firstLine != "" {
				require.NotContains(t, string(data), firstLine, "%s/%s leaks /etc/passwd", dir, rel)
			}
			require.NotContains(t, string(data), "lollollol", "%s/%s holds an expanded entity", dir, rel)
		}
	}
	require.Empty(t, r.fake.Batches())
	require.Empty(t, r.fake.Instructions())
}

// peakRSS reads a running process's peak resident memory (Linux), or skips
// the memory check elsewhere.
func peakRSS(t *testing.T, p *proc) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	return 0
}
