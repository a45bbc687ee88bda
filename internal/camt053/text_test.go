package camt053

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPatterns checks each hand-written identifier check against the
// XSD's regular expression, on hand-picked edge cases and on random
// strings over the characters that matter.
func TestPatterns(t *testing.T) {
	checks := []struct {
		name string
		re   *regexp.Regexp
		fn   func(string) bool
	}{
		{"IBAN2007Identifier", regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$`), isIBAN},
		{"BICIdentifier", regexp.MustCompile(`^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$`), isBIC},
		{"BICFIDec2014Identifier", regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`), isBIC2014},
		{"ExternalCode", regexp.MustCompile(`^[A-Z0-9]{1,4}$`), isCode},
		{"ActiveOrHistoricCurrencyCode", regexp.MustCompile(`^[A-Z]{3}$`), isCurrency},
	}
	cases := []string{"", "A", "EUR", "eur", "EU1", "PMNT", "PMNTX", "1", "DE89370400440532013000",
		"DE89", "DE893", "de89370400440532013000", "DE8937040044053201300a", "GB29NWBK60161331926819",
		"DE89 3704", "COBADEFFXXX", "COBADEFF", "COBADEFF1", "COBADE1FXXX", "COBADEFOXXX", "COBADE0F",
		"1234DEFF", "12345EFF", "COBADEFFxxx", "COBADEF@", "DE89" + strings.Repeat("A", 30), "DE89" + strings.Repeat("A", 31),
		"ÄBADEFFXXX", "COBADEFF XX"}
	alphabet := []byte("AOZaz0129 -Ä")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20_000 {
		b := make([]byte, rng.IntN(13))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range cases {
				assert.Equal(t, c.re.MatchString(s), c.fn(s), "%q", s)
			}
		})
	}
}

func TestCompact(t *testing.T) {
	slow := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), "")) }
	for _, s := range []string{"", "DE89370400440532013000", "de89 3704 0044", " COBADEFF ", "DE\t89", "ÄÖ x", "A\u00a0B", "A\x01B"} {
		assert.Equal(t, slow(s), compact(s), "%q", s)
	}
}

// TestAppendAmount checks the in-place amount against formatAmount
// (money.Format) for currencies of exponent 0, 2 and 3 and an unknown one.
func TestAppendAmount(t *testing.T) {
	amounts := []int64{0, 1, 5, 9, 10, 99, 100, 101, 999, 1000, 1001, 123456, max18Digits, -1, max18Digits + 1}
	for _, ccy := range []string{"EUR", "JPY", "BHD", "XXX", "QQQ", "eur"} {
		buf := []byte("prefix:")
		for _, a := range amounts {
			want, wantErr := formatAmount(a, ccy)
			got, err := appendAmount(buf, a, ccy)
			if wantErr != nil {
				assert.EqualError(t, err, wantErr.Error(), "%d %s", a, ccy)
				continue
			}
			assert.NoError(t, err, "%d %s", a, ccy)
			assert.Equal(t, "prefix:"+want, string(got), "%d %s", a, ccy)
		}
	}
}
