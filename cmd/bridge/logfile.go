package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/atlarbridge/bridge/internal/config"
	"gopkg.in/natefinch/lumberjack.v2"
)

// logOutput is where a plain `run` logs: log.file with size-based rotation
// when set (lumberjack: rename to a timestamped backup, prune old ones;
// safe for one writing process), stderr otherwise. close flushes and
// closes the file.
func logOutput(c config.Log, stderr io.Writer) (w io.Writer, close func() error, err error) {
	if c.File == "" {
		return stderr, func() error { return nil }, nil
	}
	if err := os.MkdirAll(filepath.Dir(c.File), 0o750); err != nil {
		return nil, nil, configErr(fmt.Errorf("log.file %s: %w", c.File, err))
	}
	// Fail now, with the path, rather than lose the first lines.
	f, err := os.OpenFile(c.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, nil, configErr(fmt.Errorf("log.file %s: %w", c.File, err))
	}
	_ = f.Close()
	mb := int((int64(c.MaxSize) + 1<<20 - 1) >> 20) // lumberjack counts whole megabytes
	lj := &lumberjack.Logger{Filename: c.File, MaxSize: mb, MaxBackups: c.MaxBackups}
	return lj, lj.Close, nil
}
