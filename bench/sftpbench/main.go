// Command sftpbench runs the bridge's SFTP server for bench/sftp-vs-openssh.sh:
// one user "bench" with the given authorized key, one route "bench", a
// receiver that deletes every upload once it is handed over, and DIR/outbox
// as the user's /outbox/results (and /outbox/statements) for downloads. It
// prints "listening on ADDR" and serves until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/atlarbridge/bridge/internal/sftpserver"
)

// discard is the benchmark's pipeline: it takes the upload by deleting it.
type discard struct{}

func (discard) Receive(_ context.Context, u sftpserver.Upload) (string, error) {
	return "bench", os.Remove(u.Path)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sftpbench:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "listen address")
	dir := flag.String("dir", "", "work folder (inbox, outbox, host keys)")
	keys := flag.String("authorized-keys", "", "authorized_keys file of user bench")
	verbose := flag.Bool("v", false, "log every operation")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *dir == "" || *keys == "" {
		return fmt.Errorf("-dir and -authorized-keys are required")
	}
	pub, err := sftpserver.ParseAuthorizedKeys(nil, *keys)
	if err != nil {
		return err
	}
	inbox := filepath.Join(*dir, "inbox", "bench")
	outbox := filepath.Join(*dir, "outbox")
	for _, d := range []string{inbox, outbox} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	srv, err := sftpserver.New(sftpserver.Config{
		Listen:        *listen,
		HostKeyDir:    filepath.Join(*dir, "hostkeys"),
		Users:         []sftpserver.User{{Name: "bench", Keys: pub, Routes: []string{"bench"}}},
		InboxDir:      func(string) string { return inbox },
		StatementsDir: outbox,
		ResultsDir:    outbox,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	}, discard{})
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", srv.Addr())
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Close(closeCtx)
}
