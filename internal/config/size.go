package config

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// Size is a number of bytes written in TOML as a string with a unit:
// "256MiB", "50MB", "1.5GiB", "1024" (bytes). Binary units (KiB, MiB, GiB,
// TiB) are powers of 1024, decimal ones (KB, MB, GB, TB) powers of 1000;
// units are case-insensitive. A bare TOML integer is bytes too.
type Size int64

var sizeUnits = []struct {
	name string
	mult int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"B", 1},
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// UnmarshalText parses "256MiB", "50MB", "1024".
func (s *Size) UnmarshalText(b []byte) error {
	text := strings.TrimSpace(string(b))
	bad := func() error {
		return fmt.Errorf("must be a size like \"256MiB\", \"50MB\" or \"1024\" (got %q)", text)
	}
	m := sizeRE.FindStringSubmatch(text)
	if m == nil {
		return bad()
	}
	mult := int64(-1)
	if m[2] == "" {
		mult = 1
	}
	for _, u := range sizeUnits {
		if strings.EqualFold(m[2], u.name) {
			mult = u.mult
		}
	}
	if mult < 0 {
		return bad()
	}
	r, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return bad()
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return fmt.Errorf("must be a whole number of bytes (got %q)", text)
	}
	if !r.Num().IsInt64() || r.Num().Int64() > math.MaxInt64 {
		return fmt.Errorf("is too large (got %q)", text)
	}
	*s = Size(r.Num().Int64())
	return nil
}

// MarshalText writes the largest unit that divides the size exactly,
// binary units first: 256MiB, 50MB, 1023.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// String is MarshalText's form.
func (s Size) String() string {
	n := int64(s)
	if n <= 0 {
		return strconv.FormatInt(n, 10)
	}
	for _, u := range sizeUnits[:len(sizeUnits)-1] {
		if n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}
