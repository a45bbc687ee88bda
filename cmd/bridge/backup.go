package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/atlarbridge/bridge/internal/atomicfile"
	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// handleBackup streams a consistent copy of the journal over the control
// socket (owner-only), so `bridge backup` works while the bridge holds the
// journal lock; the CLI, not the bridge, writes the file, with the
// operator's permissions and path.
func handleBackup(a *app) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if err := a.store.Backup(w); err != nil {
			// Headers are gone: a cut stream is what the client sees, and
			// it checks the copy before keeping it.
			a.log.Error("backup over the control endpoint failed", "err", err)
		}
	}
}

// cmdBackup is `bridge backup FILE`.
func cmdBackup(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("backup")
	cfgPath := configFlag(fs)
	cfg, pos, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("backup: give one FILE to write (%s backup FILE)", cmdName())
	}
	final, err := filepath.Abs(pos[0])
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	lay := layout.Layout{Root: cfg.Storage.Root}
	if abs, _ := filepath.Abs(lay.StateFile()); abs == final {
		return usageErr("backup: %s is the journal itself; name another file", final)
	}
	temp := atomicfile.TempName(final)
	out, err := os.OpenFile(temp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup: create %s: %w", temp, err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = out.Close()
			_ = os.Remove(temp)
		}
	}()
	source := ""
	if c, ok := dialControl(lay.ControlSocket()); ok {
		source = "the running bridge"
		if err := c.stream(ctx, "/backup", out); err != nil {
			return fmt.Errorf("backup: from the running bridge: %w", err)
		}
	} else {
		source = lay.StateFile()
		st, err := state.Open(lay.StateFile(), state.Options{ReadOnly: true, Timeout: time.Second})
		if errors.Is(err, state.ErrLocked) {
			return fmt.Errorf("backup: %w; the running bridge did not answer on %s", err, lay.ControlSocket())
		}
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		err = st.Backup(out)
		_ = st.Close(context.Background())
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("backup: sync %s: %w", temp, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("backup: close %s: %w", temp, err)
	}
	// Check the copy is a journal this version opens before it replaces
	// anything at FILE.
	chk, err := state.Open(temp, state.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("backup: the copy does not open as a journal: %w", err)
	}
	files, err := chk.List(state.Filter{})
	_ = chk.Close(context.Background())
	if err != nil {
		return fmt.Errorf("backup: the copy does not read: %w", err)
	}
	if err := atomicfile.Commit(temp, final); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	keep = true
	fi, _ := os.Stat(final)
	var size int64
	if fi != nil {
		size = fi.Size()
	}
	fmt.Fprintf(env.stdout, "backup of %s written to %s (%d bytes, %d files)\n", source, final, size, len(files))
	return nil
}

// stream copies a GET answer's body to w (no overall timeout: a large
// journal takes as long as it takes).
func (c *controlClient) stream(ctx context.Context, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://bridge"+path, nil)
	if err != nil {
		return err
	}
	hc := &http.Client{Transport: c.http.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("control endpoint: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("control endpoint answered %s: %s", resp.Status, b)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("control endpoint: reading the copy: %w", err)
	}
	return nil
}
