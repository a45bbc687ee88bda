// Command mkzip writes a zip archive for the Windows download, so that
// packaging/build.sh needs no zip program:
//
//	go run ./packaging/mkzip OUT.zip NAME=FILE [NAME=FILE...]
//
// Each FILE is stored as NAME at the top of the archive. Names ending in
// .txt, .toml or .example get Windows line endings (CRLF), for Notepad.
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkzip:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: mkzip OUT.zip NAME=FILE [NAME=FILE...]")
	}
	out, err := os.Create(args[0])
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	for _, arg := range args[1:] {
		name, src, ok := strings.Cut(arg, "=")
		if !ok || name == "" || src == "" {
			return fmt.Errorf("%q: want NAME=FILE", arg)
		}
		if err := add(zw, name, src); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return out.Close()
}

func add(zw *zip.Writer, name, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if isText(name) {
		data = crlf(data)
	}
	h, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	h.Name, h.Method, h.UncompressedSize64 = name, zip.Deflate, uint64(len(data))
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

func isText(name string) bool {
	for _, ext := range []string{".txt", ".toml", ".example"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// crlf turns LF line endings into CRLF, leaving existing CRLFs alone.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}
