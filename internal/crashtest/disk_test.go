package crashtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/state"
	"github.com/stretchr/testify/require"
)

// Root may write anywhere whatever the permissions (CI runs tests as
// root), so "not writable" is injected as a real file-system error instead:
// a regular file where the bridge needs a folder (ENOTDIR on every create
// inside it), or a full tmpfs (ENOSPC).

// blockDir replaces a folder with a regular file; the returned function
// restores it (with what it held).
func blockDir(t *testing.T, dir string) (restore func()) {
	t.Helper()
	aside := dir + ".aside"
	require.NoError(t, os.Rename(dir, aside))
	require.NoError(t, os.WriteFile(dir, []byte("not a folder\n"), 0o644))
	return func() {
		require.NoError(t, os.Remove(dir))
		require.NoError(t, os.Rename(aside, dir))
	}
}

// dropBatch drops n CSV files through the folder.
func (r *rig) dropBatch(t *testing.T, led *ledger, tag string, n int) {
	t.Helper()
	rng := newRand(uint64(len(tag)), uint64(n))
	for i := 1; i <= n; i++ {
		f := csvFile(rng, "payables", tag, i)
		f.Via = "folder"
		require.NoError(t, r.dropFolder(f))
		led.add(f)
	}
}

// waitFake waits until Atlar holds n batches.
func (r *rig) waitFake(t *testing.T, p *proc, n int) {
	t.Helper()
	require.Eventuallyf(t, func() bool { return len(r.fake.Batches()) >= n && !p.exited() }, 30*time.Second, 20*time.Millisecond,
		"waiting for %d batches at Atlar:\n%s", n, r.output(p))
}

// countLines counts log lines of a run that contain every one of words.
func countLines(out string, words ...string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(l, w)
		}
		if ok {
			n++
		}
	}
	return n
}

// TestDisk_OutboxNotWritable: files are submitted while outbox/results
// cannot be written; the bridge reports it, keeps trying, and writes every
// acknowledgement and result once the folder is back.
func TestDisk_OutboxNotWritable(t *testing.T) {
	r := newRig(t, rigOptions{})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	restore := blockDir(t, filepath.Join(r.root, "outbox", "results"))
	r.dropBatch(t, led, "OUT", 3)
	r.waitFake(t, p, 3)
	require.Eventually(t, func() bool {
		return countLines(r.output(p), `"write results"`, "not a directory") > 0
	}, 20*time.Second, 20*time.Millisecond, "the bridge reports the outbox problem")
	// Once the files are completed nothing changes but the retries (on
	// every sweep and journal event): they must not repeat the report.
	require.Eventually(t, func() bool {
		var st status
		return r.control("/status", &st) == nil && st.Totals["completed"] == 3
	}, 30*time.Second, 20*time.Millisecond, "the files completed at Atlar")
	errorLines := func() int { return countLines(r.output(p), `"level":"ERROR"`, "write results") }
	before := errorLines()
	time.Sleep(3 * time.Second) // the fault's duration, not synchronisation
	after := errorLines()
	t.Logf("%d error lines while the files moved on, %d more in the 3s after; warnings: %s", before, after-before, warnings(r.output(p)))
	// It reports once a minute; 1 allows for a machine slow enough that
	// the minute passed since the first report.
	require.LessOrEqual(t, after-before, 1, "the results writer does not repeat its error on every retry")
	restore()
	require.Eventually(t, func() bool {
		return countLines(r.output(p), `"level":"INFO"`, "results written again after errors") == 1
	}, 30*time.Second, 20*time.Millisecond, "the bridge says the outbox works again")
	require.Equal(t, 0, r.stop(p))
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}

// TestDisk_ArchiveNotWritable: files are accepted by Atlar while archive/
// cannot be written; the originals wait in processing/, nothing is lost or
// sent twice, and they are archived once the folder is back.
func TestDisk_ArchiveNotWritable(t *testing.T) {
	r := newRig(t, rigOptions{})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	restore := blockDir(t, filepath.Join(r.root, "archive"))
	r.dropBatch(t, led, "ARC", 3)
	r.waitFake(t, p, 3)
	require.Eventually(t, func() bool { return len(listFiles(filepath.Join(r.root, "inbox"))) == 0 },
		10*time.Second, 20*time.Millisecond)
	time.Sleep(3 * time.Second) // the fault's duration, not synchronisation
	var waiting []string        // the claimed copies; the ERP's files rest beside them as hidden .claimed
	for _, f := range listFiles(filepath.Join(r.root, "processing")) {
		if !strings.HasPrefix(filepath.Base(f), ".") {
			waiting = append(waiting, f)
		}
	}
	require.Len(t, waiting, 3, "the originals wait in processing/")
	out := r.output(p)
	warn := countLines(out, `"level":"WARN"`, "not a directory") + countLines(out, `"level":"ERROR"`, "not a directory")
	t.Logf("%d warnings about the unwritable archive in 3s+: %s", warn, warnings(out))
	require.LessOrEqual(t, warn, 3, "a failing step is reported once a minute per file, not on every retry")
	// A crash while the archive is broken: the restart refuses to run on
	// a broken tree and says why (its service manager tries again).
	r.kill(p)
	p = r.start("")
	<-p.done
	require.Equal(t, 1, p.exitCode())
	require.Contains(t, r.output(p), "archive: not a directory")
	restore()
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}

// TestDisk_Full puts the whole storage root on a small tmpfs and fills it
// while files are being claimed: journal writes, moves and outbox writes
// fail with ENOSPC. Once space is freed, everything completes exactly once.
// It needs root and mount; elsewhere it is skipped.
func TestDisk_Full(t *testing.T) {
	needProcess(t)
	mnt := filepath.Join(t.TempDir(), "small")
	require.NoError(t, os.MkdirAll(mnt, 0o755))
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); the injected-error disk tests cover the rest", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })

	r := newRig(t, rigOptions{Root: filepath.Join(mnt, "data")})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	r.dropBatch(t, led, "EARLY", 2)
	r.waitFake(t, p, 2)

	// Files waiting for their done marker are on disk before it fills.
	rng := newRand(7, 7)
	var late []*logical
	for i := 1; i <= 3; i++ {
		f := csvFile(rng, "marked", "FULL", i)
		f.Via = "folder"
		require.NoError(t, os.WriteFile(filepath.Join(r.root, "inbox", "marked", f.Name), f.Data, 0o644))
		late = append(late, f)
	}
	ballast := fillDisk(t, mnt)
	for _, f := range late {
		// A marker is an empty file: an inode, no data block.
		require.NoError(t, os.WriteFile(filepath.Join(r.root, "inbox", "marked", f.Name+".done"), nil, 0o644))
		led.add(f)
	}
	time.Sleep(3 * time.Second) // the fault's duration, not synchronisation
	out := r.output(p)
	t.Logf("while the disk was full: %d log lines mention it; warnings: %s", countLines(out, "no space left"), warnings(out))
	require.False(t, p.exited(), "the bridge keeps running on a full disk:\n%s", out)
	require.NoError(t, os.Remove(ballast))
	require.Equal(t, 0, r.stop(p))
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}

// fillDisk writes a ballast file until the file system is full.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "filling the disk: %v", err)
			break
		}
	}
	// Small writes too, so not even a page is left.
	for {
		if _, err := f.Write(chunk[:512]); err != nil {
			break
		}
	}
	return path
}

// TestDisk_JournalLocked: another process holds the journal. The bridge
// refuses to start, says why, and exits non-zero (its service manager
// restarts it); files dropped meanwhile wait in the inbox, and once the
// lock is released the next start takes them.
func TestDisk_JournalLocked(t *testing.T) {
	r := newRig(t, rigOptions{})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	require.Equal(t, 0, r.stop(p))

	holder, err := state.Open(filepath.Join(r.root, "state", "bridge.db"), state.Options{})
	require.NoError(t, err)
	r.dropBatch(t, led, "LOCK", 2)
	for attempt := 1; attempt <= 2; attempt++ {
		p := r.start("")
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			r.kill(p)
			t.Fatalf("the bridge did not give up on a locked journal")
		}
		require.Equal(t, 1, p.exitCode(), "attempt %d", attempt)
		require.Contains(t, r.output(p), "in use by another bridge process", "attempt %d says why", attempt)
	}
	require.Len(t, listFiles(filepath.Join(r.root, "inbox")), 2, "the files wait in the inbox")
	require.NoError(t, holder.Close(context.Background()))
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))
}

// warnings tallies a run's warning and error log lines by message.
func warnings(out string) string {
	counts := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		var rec struct{ Level, Msg string }
		if json.Unmarshal([]byte(l), &rec) == nil && (rec.Level == "WARN" || rec.Level == "ERROR") {
			counts[rec.Level+" "+rec.Msg]++
		}
	}
	var parts []string
	for k, n := range counts {
		parts = append(parts, fmt.Sprintf("%q×%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
