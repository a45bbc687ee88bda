package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// utf8BOM is stripped before decoding: Windows editors save config.toml
// with one, and TOML does not allow it.
var utf8BOM = []byte("\xef\xbb\xbf")

// Parse reads a config.toml: defaults, then a strict decode over them,
// then normalisation, then Validate. file names the document in errors
// ("" for none). Relative paths are left as written: Load resolves them.
// Errors are Errors, one *Error per problem.
func Parse(r io.Reader, file string) (*Config, error) {
	doc, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", file, err)
	}
	doc = bytes.TrimPrefix(doc, utf8BOM)
	// The index fails only on a syntax error; then the decoder's error
	// says more, and the partial index still locates what it can.
	keys, _ := indexKeys(doc)
	c := Default()
	c.File = file
	if err := toml.NewDecoder(bytes.NewReader(doc)).DisallowUnknownFields().Decode(c); err != nil {
		return nil, decodeErrors(file, keys, err)
	}
	c.keys = keys
	c.normalise()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads the config file at path, parses it, resolves relative paths
// against the file's folder (a Windows service starts in System32, so the
// working directory means nothing) and reads the Atlar secret from the
// environment or its file.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config folder: %w", err)
	}
	c.ResolvePaths(dir)
	if err := c.checkSecretFileMode(os.Stat); err != nil {
		return nil, err
	}
	if err := c.ResolveSecret(os.Getenv, os.ReadFile); err != nil {
		return nil, err
	}
	if err := c.resolveAlertSecrets(os.Getenv, os.ReadFile); err != nil {
		return nil, err
	}
	return c, nil
}

// ResolvePaths makes storage.root, sftp.host_key_dir, atlar.secret_file and
// each user's authorized_keys_file absolute by joining relative ones to
// dir. Load calls it with the config file's folder.
func (c *Config) ResolvePaths(dir string) {
	for _, p := range []*string{&c.Storage.Root, &c.SFTP.HostKeyDir, &c.Atlar.SecretFile} {
		*p = resolve(dir, *p)
	}
	for i := range c.SFTP.Users {
		u := &c.SFTP.Users[i]
		u.AuthorizedKeysFile = resolve(dir, u.AuthorizedKeysFile)
	}
	c.Log.File = resolve(dir, c.Log.File)
	if e := c.Alerts.Email; e != nil {
		e.PasswordFile = resolve(dir, e.PasswordFile)
	}
	if w := c.Alerts.Webhook; w != nil {
		w.SecretFile = resolve(dir, w.SecretFile)
	}
}

func resolve(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// decodeErrors turns go-toml's errors into Errors that name file, line and
// the full key (with array indexes, which go-toml leaves out).
func decodeErrors(file string, keys *keyIndex, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var es Errors
		for i := range strict.Errors {
			de := &strict.Errors[i]
			line, col := de.Position()
			key := strings.Join(de.Key(), ".")
			if e, ok := keys.at(line, col); ok {
				key = e.key
			}
			es = append(es, &Error{File: file, Line: line, Key: key, Unknown: true})
		}
		return es
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		e, found := keys.at(line, col)
		switch {
		case typeMismatchRE.MatchString(msg) && found:
			msg = wrongType(e)
		case strings.HasPrefix(msg, "must be ") || strings.HasPrefix(msg, "is too large"):
			// Our own UnmarshalText errors: already say what is expected.
		default:
			// Syntax and structure errors: they quote what they need.
			return Errors{&Error{File: file, Line: line, Msg: "invalid TOML: " + msg}}
		}
		key := strings.Join(de.Key(), ".")
		if found {
			key = e.key
		}
		return Errors{&Error{File: file, Line: line, Key: key, Msg: msg}}
	}
	// go-toml hands a bare TOML integer for a Duration to UnmarshalText
	// without a position; find the offending key ourselves.
	if keys != nil {
		for _, e := range keys.entries {
			if t := typeAt(e.key); t == reflect.TypeFor[Duration]() && e.kind != unstable.String {
				return Errors{&Error{File: file, Line: e.line, Key: e.key, Msg: wrongType(e)}}
			}
		}
	}
	return Errors{&Error{File: file, Msg: err.Error()}}
}

var typeMismatchRE = regexp.MustCompile(`^cannot decode TOML \w+ into `)

// wrongType says what e's key takes and what the file has.
func wrongType(e entry) string {
	got := e.raw
	switch e.kind {
	case unstable.Array:
		got = "an array"
	case unstable.InlineTable, unstable.Table:
		got = "a table"
	case unstable.ArrayTable:
		got = "an array of tables"
	}
	return fmt.Sprintf("must be %s (got %s)", describeType(typeAt(e.key)), got)
}

// describeType names a Go type the way the config documents it.
func describeType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t {
	case reflect.TypeFor[Duration]():
		return `a duration like "30s", "5m", "168h" or "90d"`
	case reflect.TypeFor[Size]():
		return `a size like "256MiB" or a number of bytes`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return "an array of tables"
		}
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(describeType(t.Elem()), "an "), "a ") + "s"
	case reflect.Struct, reflect.Map:
		return "a table"
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Interface:
		return "a string or an integer"
	}
	return t.String()
}

// typeAt returns the Go type that key decodes into, or nil when the key is
// not part of Config.
func typeAt(key string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, part := range splitKey(key) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch {
		case part == "[]":
			if t.Kind() != reflect.Slice {
				return nil
			}
			t = t.Elem()
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Struct:
			f, ok := fieldByTag(t, part)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
	}
	return t
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("toml"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// splitKey splits "routes[1].a.\"b.c\"" into routes, [], a, b.c.
func splitKey(key string) []string {
	var parts []string
	for key != "" {
		switch key[0] {
		case '.':
			key = key[1:]
		case '[':
			end := strings.IndexByte(key, ']')
			if end < 0 {
				return append(parts, key)
			}
			parts, key = append(parts, "[]"), key[end+1:]
		case '"':
			q, err := strconv.QuotedPrefix(key)
			if err != nil {
				return append(parts, key)
			}
			s, _ := strconv.Unquote(q)
			parts, key = append(parts, s), key[len(q):]
		default:
			end := strings.IndexAny(key, ".[")
			if end < 0 {
				end = len(key)
			}
			parts, key = append(parts, key[:end]), key[end:]
		}
	}
	return parts
}
