package outbound

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/state"
)

// deliver writes data into dir as name exactly once under key. The temp
// file is synced and its intent journaled before the rename, and the rename
// is journaled after: after a crash, finish completes a half-done delivery
// and a done one is never written again (the ERP may already have taken
// and deleted it). alt is used as the name when name is taken by another
// delivery the ERP has not collected yet. It returns the delivered path
// relative to the storage root.
func (ob *Outbound) deliver(key, dir, name, alt string, data []byte) (string, error) {
	unlock := ob.names.Lock(filepath.Join(dir, name))
	defer unlock()
	d, err := ob.j.GetDelivery(key)
	switch {
	case err == nil && d.Done:
		return d.Path, nil
	case err == nil:
		return d.Path, ob.finish(d)
	case !errors.Is(err, state.ErrNotFound):
		return "", fmt.Errorf("deliver %s: %w", key, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("deliver %s: %w", key, err)
	}
	final := filepath.Join(dir, name)
	if atomicfile.Exists(final) && alt != "" {
		final = filepath.Join(dir, alt)
	}
	temp := atomicfile.TempName(final)
	if err := atomicfile.WriteTemp(temp, data, 0o640); err != nil {
		return "", fmt.Errorf("deliver %s: %w", key, err)
	}
	rel, err := ob.lay.Rel(final)
	if err != nil {
		return "", err
	}
	relTemp, err := ob.lay.Rel(temp)
	if err != nil {
		return "", err
	}
	d = &state.Delivery{Key: key, Path: rel, Temp: relTemp, At: ob.clock.Now().UTC(), Bytes: int64(len(data))}
	if err := ob.j.PutDelivery(d); err != nil {
		// The temp file stays: if the intent did reach the journal, the
		// next start's Recover renames it; if not, Recover removes it.
		return "", fmt.Errorf("deliver %s: journal: %w", key, err)
	}
	return rel, ob.finish(d)
}

// finish completes a journaled delivery: rename the temp file into place
// if it is still there, then record it done. A missing temp file means the
// rename already happened before a crash.
func (ob *Outbound) finish(d *state.Delivery) error {
	temp, final := ob.lay.Abs(d.Temp), ob.lay.Abs(d.Path)
	if atomicfile.Exists(temp) {
		if err := atomicfile.Commit(temp, final); err != nil {
			return fmt.Errorf("deliver %s: %w", d.Key, err)
		}
	}
	done := *d
	done.Done = true
	done.At = ob.clock.Now().UTC()
	if err := ob.j.PutDelivery(&done); err != nil {
		return fmt.Errorf("deliver %s: journal: %w", d.Key, err)
	}
	ob.log.Info("delivered", "key", d.Key, "path", d.Path, "bytes", d.Bytes)
	return nil
}

// Recover finishes deliveries a crash interrupted and removes temp files
// that never got a journaled intent.
func (ob *Outbound) Recover() error {
	pending, err := ob.j.PendingDeliveries()
	if err != nil {
		return fmt.Errorf("outbound recover: %w", err)
	}
	keep := map[string]bool{}
	for _, d := range pending {
		if err := ob.finish(d); err != nil {
			return fmt.Errorf("outbound recover: %w", err)
		}
		keep[d.Temp] = true
	}
	for _, dir := range append([]string{ob.lay.Results(), ob.lay.Statements()}, ob.reportDirs()...) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("outbound recover: %w", err)
		}
		for _, e := range entries {
			if !atomicfile.IsTemp(e.Name()) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if rel, err := ob.lay.Rel(p); err == nil && !keep[rel] {
				_ = os.Remove(p)
			}
		}
	}
	return nil
}
