package atomicfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrite_PlacesWholeFileAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "statement.xml")
	require.NoError(t, Write(final, []byte("<Document/>"), 0o640))

	got, err := os.ReadFile(final)
	require.NoError(t, err)
	assert.Equal(t, "<Document/>", string(got))
	if runtime.GOOS != "windows" {
		info, err := os.Stat(final)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o640), info.Mode().Perm()&^umaskBits())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the final file, no temp beside it")
}

// umaskBits returns the bits the process umask removes, so the mode check
// holds whatever umask the test runs under.
func umaskBits() os.FileMode {
	probe, err := os.CreateTemp("", "umask")
	if err != nil {
		return 0
	}
	defer os.Remove(probe.Name())
	_ = probe.Close()
	_ = os.Chmod(probe.Name(), 0o777)
	info, err := os.Stat(probe.Name())
	if err != nil {
		return 0
	}
	return 0o777 &^ info.Mode().Perm()
}

// A reader that opens the final name while it is being replaced sees the
// old bytes or the new ones, never a mixture or a prefix.
func TestWrite_ReaderNeverSeesHalfAFile(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "result.csv")
	versions := make([][]byte, 20)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
	}
	require.NoError(t, Write(final, versions[0], 0o644))

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for _, v := range versions[1:] {
			if err := Write(final, v, 0o644); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	}()
	reads := 0
	for {
		select {
		case <-done:
			wg.Wait()
			assert.Positive(t, reads)
			got, err := os.ReadFile(final)
			require.NoError(t, err)
			assert.Equal(t, versions[len(versions)-1], got)
			return
		default:
		}
		got, err := os.ReadFile(final)
		if err != nil {
			// Windows refuses a read during the rename (sharing violation);
			// the ERP retries, and it never gets half a file either.
			if runtime.GOOS == "windows" {
				continue
			}
			require.NoError(t, err)
		}
		reads++
		require.Len(t, got, 256<<10, "read %d saw a partial file", reads)
		require.Equal(t, bytes.Repeat(got[:1], len(got)), got, "read %d mixed two versions", reads)
	}
}

func TestWriteTemp_RefusesExistingTempAndCleansUpOnError(t *testing.T) {
	dir := t.TempDir()
	temp := TempName(filepath.Join(dir, "x.xml"))
	require.NoError(t, os.WriteFile(temp, []byte("someone else's"), 0o600))

	err := WriteTemp(temp, []byte("ours"), 0o600)
	require.Error(t, err, "O_EXCL: a temp name is never shared")
	got, rerr := os.ReadFile(temp)
	require.NoError(t, rerr)
	assert.Equal(t, "someone else's", string(got), "the other writer's temp is left alone")

	missing := TempName(filepath.Join(dir, "no-such-dir", "x.xml"))
	require.Error(t, WriteTemp(missing, []byte("x"), 0o600))
	assert.False(t, Exists(missing))
}

func TestCommit_MissingTempFailsAndKeepsFinal(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "a.xml")
	require.NoError(t, os.WriteFile(final, []byte("old"), 0o600))
	err := Commit(TempName(final), final)
	require.Error(t, err)
	got, rerr := os.ReadFile(final)
	require.NoError(t, rerr)
	assert.Equal(t, "old", string(got))
}

func TestSyncDir(t *testing.T) {
	require.NoError(t, SyncDir(t.TempDir()))
	assert.Error(t, SyncDir(filepath.Join(t.TempDir(), "gone")), "a folder that is not there cannot be synced")
}

func TestTempName_IsHiddenBesideFinalAndUnique(t *testing.T) {
	final := filepath.Join("outbox", "results", "pay.csv.ack.xml")
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		temp := TempName(final)
		assert.Equal(t, filepath.Dir(final), filepath.Dir(temp), "same folder: rename stays atomic")
		assert.True(t, IsTemp(filepath.Base(temp)), temp)
		assert.False(t, seen[temp], "temp names collide")
		seen[temp] = true
	}
	for _, name := range []string{"pay.csv", ".hidden", "x.tmp", "report.xml"} {
		assert.False(t, IsTemp(name), name)
	}
}

func TestExists(t *testing.T) {
	dir := t.TempDir()
	assert.True(t, Exists(dir))
	assert.False(t, Exists(filepath.Join(dir, "nothing")))
	for i := 0; i < 3; i++ {
		p := filepath.Join(dir, fmt.Sprint(i))
		require.NoError(t, Write(p, nil, 0o600))
		assert.True(t, Exists(p))
	}
}
