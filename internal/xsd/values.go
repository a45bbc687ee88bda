package xsd

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// simple checks a value against a simple type: the lexical space of its
// primitive type and every facet. It returns what was expected when the
// value does not fit.
func (v *Validator) simple(st *SimpleType, val []byte) (string, bool) {
	if st.Base == Decimal || st.Base == Boolean {
		// whiteSpace="collapse": the value may be surrounded by XML white
		// space (and has none inside that is valid). XSD 1.0 says the same
		// of the date and time types, but libxml2 (xmllint, and the banks'
		// validators built on it) rejects any white space around them, and
		// the bridge must not accept what a bank's check refuses.
		val = bytes.Trim(val, " \t\r\n")
	}
	switch st.Base {
	case String:
		if n := len(val); st.Length < 0 && st.MinLength <= 1 && n >= st.MinLength && (st.MaxLength < 0 || n <= st.MaxLength) {
			// Bytes bound characters: within the limits either way, no
			// need to count (the common MaxNText case).
		} else if st.Length >= 0 || st.MinLength >= 0 || st.MaxLength >= 0 {
			n := utf8.RuneCount(val)
			if st.Length >= 0 && n != st.Length ||
				st.MinLength >= 0 && n < st.MinLength ||
				st.MaxLength >= 0 && n > st.MaxLength {
				return lengthText(st, n), false
			}
		}
	case Decimal:
		d, ok := parseDecimal(val)
		if !ok {
			return "a decimal number such as 1234.56 (" + st.Name + ")", false
		}
		if st.TotalDigits >= 0 && d.total > st.TotalDigits || st.FractionDigits >= 0 && d.nfra > st.FractionDigits {
			return fmt.Sprintf("at most %d digits, %d after the decimal point (%s)", st.TotalDigits, st.FractionDigits, st.Name), false
		}
		switch {
		case st.MinInclusive == "0" && st.MaxInclusive == "" && st.MinExclusive == "" && st.MaxExclusive == "":
			// ISO 20022 amounts: only the sign matters.
			if d.sign() < 0 {
				return fmt.Sprintf("a number of at least 0 (%s)", st.Name), false
			}
		default:
			if exp, ok := bounds(st, d); !ok {
				return exp, false
			}
		}
	case Boolean:
		switch string(val) {
		case "true", "false", "1", "0":
		default:
			return "true or false (" + st.Name + ")", false
		}
	case Date, DateTime, Time, GYear, GYearMonth:
		if !dateLike(st.Base, val) {
			return dateText[st.Base] + " (" + st.Name + ")", false
		}
	case Base64Binary:
		if n, ok := base64Len(val); !ok {
			return "base64 data (" + st.Name + ")", false
		} else if st.Length >= 0 && n != st.Length || st.MinLength >= 0 && n < st.MinLength || st.MaxLength >= 0 && n > st.MaxLength {
			return lengthText(st, n), false
		}
	}
	if len(st.Enum) > 0 {
		found := false
		for _, e := range st.Enum {
			if string(val) == e {
				found = true
				break
			}
		}
		if !found {
			return enumText(st), false
		}
	}
	for _, p := range st.Patterns {
		m := v.m[p]
		// The last value that matched: codes, BICs and currencies repeat
		// from one transaction to the next.
		if last := v.lastMatch[p]; last != nil && string(last) == string(val) {
			continue
		}
		if !m.match(val) {
			return "a value matching " + v.s.Patterns[p].XSD + " (" + st.Name + ")", false
		}
		if len(val) <= 64 {
			v.lastMatch[p] = append(v.lastMatch[p][:0], val...)
		}
	}
	return "", true
}

var dateText = map[Builtin]string{
	Date:       "a date YYYY-MM-DD",
	DateTime:   "a date and time YYYY-MM-DDThh:mm:ss",
	Time:       "a time hh:mm:ss",
	GYear:      "a year YYYY",
	GYearMonth: "a year and month YYYY-MM",
}

func lengthText(st *SimpleType, n int) string {
	switch {
	case st.Length >= 0:
		return fmt.Sprintf("exactly %d characters (%s), not %d", st.Length, st.Name, n)
	case st.MinLength >= 0 && st.MaxLength >= 0:
		return fmt.Sprintf("%d to %d characters (%s), not %d", st.MinLength, st.MaxLength, st.Name, n)
	case st.MaxLength >= 0:
		return fmt.Sprintf("at most %d characters (%s), not %d", st.MaxLength, st.Name, n)
	}
	return fmt.Sprintf("at least %d characters (%s), not %d", st.MinLength, st.Name, n)
}

func enumText(st *SimpleType) string {
	if len(st.Enum) <= 12 {
		return "one of " + strings.Join(st.Enum, ", ") + " (" + st.Name + ")"
	}
	return "one of the " + fmt.Sprint(len(st.Enum)) + " codes of " + st.Name + " such as " + strings.Join(st.Enum[:6], ", ")
}

// decimal is an xs:decimal value: sign, digits without leading zeros,
// fraction without trailing zeros.
type decimal struct {
	neg         bool
	int, frac   []byte
	total, nfra int
}

// parseDecimal reads [+-]?(d+(.d*)?|.d+).
func parseDecimal(s []byte) (d decimal, ok bool) {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp := s, []byte(nil)
	if i := bytes.IndexByte(s, '.'); i >= 0 {
		ip, fp = s[:i], s[i+1:]
	}
	if len(ip) == 0 && len(fp) == 0 || !allDigits(ip) || !allDigits(fp) {
		return decimal{}, false
	}
	for len(ip) > 0 && ip[0] == '0' {
		ip = ip[1:]
	}
	for len(fp) > 0 && fp[len(fp)-1] == '0' {
		fp = fp[:len(fp)-1]
	}
	d.int, d.frac = ip, fp
	d.nfra = len(fp)
	d.total = len(ip) + len(fp)
	if len(ip) == 0 {
		t := fp
		for len(t) > 0 && t[0] == '0' {
			t = t[1:]
		}
		d.total = len(t)
	}
	if d.total == 0 {
		d.neg = false // -0 is 0
		d.total = 1
	}
	return d, true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cmp compares two decimals.
func (d decimal) cmp(e decimal) int {
	sd, se := d.sign(), e.sign()
	if sd != se || sd == 0 {
		return cmpInt(sd, se)
	}
	c := cmpInt(len(d.int), len(e.int))
	if c == 0 {
		if c = bytes.Compare(d.int, e.int); c == 0 {
			c = bytes.Compare(d.frac, e.frac) // no trailing zeros: lexical order is numeric
		}
	}
	return sd * c
}

func (d decimal) sign() int {
	switch {
	case len(d.int) == 0 && len(d.frac) == 0:
		return 0
	case d.neg:
		return -1
	}
	return 1
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func bounds(st *SimpleType, d decimal) (string, bool) {
	check := func(bound string, ok func(int) bool, what string) (string, bool) {
		if bound == "" {
			return "", true
		}
		b, _ := parseDecimal([]byte(bound))
		if !ok(d.cmp(b)) {
			return fmt.Sprintf("a number %s %s (%s)", what, bound, st.Name), false
		}
		return "", true
	}
	for _, c := range []struct {
		bound string
		ok    func(int) bool
		what  string
	}{
		{st.MinInclusive, func(c int) bool { return c >= 0 }, "of at least"},
		{st.MaxInclusive, func(c int) bool { return c <= 0 }, "of at most"},
		{st.MinExclusive, func(c int) bool { return c > 0 }, "greater than"},
		{st.MaxExclusive, func(c int) bool { return c < 0 }, "less than"},
	} {
		if exp, ok := check(c.bound, c.ok, c.what); !ok {
			return exp, false
		}
	}
	return "", true
}

// dateLike checks the lexical forms of the date and time types as libxml2
// does: a year of at least four digits (no leading zero beyond four, not
// 0000), real month days (leap years counted), hh:mm:ss with optional
// fraction (24:00:00 only), and an optional zone Z or ±hh:mm up to 14:00.
func dateLike(b Builtin, s []byte) bool {
	i := 0
	var year, month int
	if b != Time {
		if i < len(s) && s[i] == '-' {
			i++
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i < 4 || j-i > 4 && s[i] == '0' {
			return false
		}
		for _, c := range s[i:j] {
			year = min(year*10+int(c-'0'), 1<<30)
		}
		if year == 0 {
			return false
		}
		i = j
		if b == GYear {
			return zone(s[i:])
		}
		if i >= len(s) || s[i] != '-' {
			return false
		}
		var ok bool
		if month, ok = two(s, i+1); !ok || month < 1 || month > 12 {
			return false
		}
		i += 3
		if b == GYearMonth {
			return zone(s[i:])
		}
		if i >= len(s) || s[i] != '-' {
			return false
		}
		day, ok := two(s, i+1)
		if !ok || day < 1 || day > daysIn(year, month) {
			return false
		}
		i += 3
		if b == Date {
			return zone(s[i:])
		}
		if i >= len(s) || s[i] != 'T' {
			return false
		}
		i++
	}
	h, ok1 := two(s, i)
	if !ok1 || i+2 >= len(s) || s[i+2] != ':' {
		return false
	}
	m, ok2 := two(s, i+3)
	if !ok2 || i+5 >= len(s) || s[i+5] != ':' {
		return false
	}
	sec, ok3 := two(s, i+6)
	if !ok3 {
		return false
	}
	i += 8
	frac := false
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			if s[j] != '0' {
				frac = true
			}
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if h == 24 {
		if m != 0 || sec != 0 || frac {
			return false
		}
	} else if h > 23 || m > 59 || sec > 59 {
		return false
	}
	return zone(s[i:])
}

func two(s []byte, i int) (int, bool) {
	if i+2 > len(s) || s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
		return 0, false
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0'), true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func zone(s []byte) bool {
	switch {
	case len(s) == 0 || len(s) == 1 && s[0] == 'Z':
		return true
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		h, ok1 := two(s, 1)
		m, ok2 := two(s, 4)
		return ok1 && ok2 && m <= 59 && (h < 14 || h == 14 && m == 0)
	}
	return false
}

// base64Len checks base64Binary's lexical form (white space allowed
// between characters) and returns the number of octets.
func base64Len(s []byte) (int, bool) {
	n, pad := 0, 0
	for _, c := range s {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '=':
			pad++
		case pad > 0:
			return 0, false
		case 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/':
		default:
			return 0, false
		}
		n++
	}
	if n%4 != 0 || pad > 2 {
		return 0, false
	}
	return n/4*3 - pad, true
}
