//go:build windows

// Command holdfile plays an ERP that is still writing its export: it creates
// a file with a handle that lets nobody else write, rename or delete it (no
// FILE_SHARE_WRITE, no FILE_SHARE_DELETE), writes the first half of the
// content, and keeps the handle open until told to finish.
//
//	holdfile read|none SRC DST READY RELEASE
//
// The first argument is the share mode: "read" lets others read the file
// (FILE_SHARE_READ, as most Windows programs write), "none" locks it
// entirely.
// SRC holds the full content; DST is the file to write. Once the first half
// is written and flushed, holdfile creates READY; it then polls until RELEASE
// exists, writes the rest and closes. It gives up after two minutes, so a
// test that died never leaves it behind.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

const giveUpAfter = 2 * time.Minute

func main() {
	share := map[string]uint32{"read": windows.FILE_SHARE_READ, "none": 0}
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: holdfile read|none SRC DST READY RELEASE")
		os.Exit(2)
	}
	mode, ok := share[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "holdfile: share mode %q: want read or none\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(mode, os.Args[2], os.Args[3], os.Args[4], os.Args[5]); err != nil {
		fmt.Fprintln(os.Stderr, "holdfile:", err)
		os.Exit(1)
	}
}

func run(share uint32, src, dst, ready, release string) error {
	content, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	name, err := windows.UTF16PtrFromString(dst)
	if err != nil {
		return err
	}
	// Without FILE_SHARE_DELETE, renaming the file (which needs DELETE
	// access) fails for every other handle with a sharing violation.
	h, err := windows.CreateFile(name, windows.GENERIC_WRITE, share, nil,
		windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	f := os.NewFile(uintptr(h), dst)
	defer f.Close()

	half := len(content) / 2
	if _, err := f.Write(content[:half]); err != nil {
		return fmt.Errorf("write first half: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("flush first half: %w", err)
	}
	if err := os.WriteFile(ready, nil, 0o600); err != nil {
		return fmt.Errorf("signal ready: %w", err)
	}
	deadline := time.Now().Add(giveUpAfter)
	for {
		if _, err := os.Stat(release); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("never released")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := f.Write(content[half:]); err != nil {
		return fmt.Errorf("write second half: %w", err)
	}
	return f.Close()
}
