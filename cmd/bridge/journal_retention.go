package main

import (
	"context"
	"fmt"
	"time"

	"github.com/atlarbridge/bridge/internal/layout"
	"github.com/atlarbridge/bridge/internal/state"
)

// pruneJournal removes the journal records of files finished longer than
// storage.journal_retention ago (housekeeping, hourly). Duplicate index
// entries inside their route's dedupe_window stay whatever the cutoff.
func (a *app) pruneJournal(ctx context.Context, now time.Time) {
	cfg := a.config()
	r := cfg.Storage.JournalRetention.Duration
	if r <= 0 {
		return
	}
	windows := map[string]time.Duration{}
	for _, rt := range cfg.Routes {
		windows[rt.Name] = rt.DedupeWindow.Duration
	}
	start := time.Now()
	st, err := a.store.Prune(ctx, state.PruneOptions{
		Before: now.Add(-r),
		KeepIndexedSince: func(route string) time.Time {
			w, ok := windows[route]
			if !ok {
				// A route no longer in the config: no window of its
				// own, the retention alone decides.
				w = r
			}
			return now.Add(-w)
		},
	})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("journal retention", "err", err, "pruned", st.Files)
		return
	}
	if st.Files > 0 {
		a.log.Info("journal retention pruned finished files", "count", st.Files, "deliveries", st.Deliveries,
			"kept", st.Kept, "took", time.Since(start).Round(time.Millisecond))
	}
}

// cmdCompact is `bridge compact`: offline, it rewrites the journal into a
// fresh file so that the space of pruned records goes back to the disk.
func cmdCompact(ctx context.Context, env *cmdEnv, args []string) error {
	fs := env.flags("compact")
	cfgPath := configFlag(fs)
	cfg, pos, err := env.parseConfig(fs, cfgPath, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usageErr("compact: takes no arguments (%s compact [--config F])", cmdName())
	}
	lay := layout.Layout{Root: cfg.Storage.Root}
	st, err := state.Compact(lay.StateFile(), time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "journal %s compacted: %d → %d bytes, %d records kept\n", lay.StateFile(), st.Before, st.After, st.Records)
	return nil
}
