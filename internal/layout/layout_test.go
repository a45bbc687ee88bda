package layout

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestFitName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		room int
		want string
	}{
		{"fits", "pay.csv", 10, "pay.csv"},
		{"exactly", "pay.csv", 7, "pay.csv"},
		{"keeps the extension", "payments-march.csv", 12, "payment~.csv"},
		{"no extension", "paymentsmarch", 6, "payme~"},
		{"long extension is stem", "a.verylongextensionname", 8, "a.veryl~"},
		{"whole runes", "ééééé.csv", 9, "éé~.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FitName(tt.in, tt.room)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, len(got), tt.room)
			assert.True(t, utf8.ValidString(got))
		})
	}
}

func TestLayout_NamesFitTheDisk(t *testing.T) {
	long := strings.Repeat("n", 251) + ".csv"
	id := "01M7Z5HQVWN2922GKNXNYCC24D"
	for _, got := range []string{ProcessingName(id, long), FinalName(time.Now(), id, long)} {
		assert.LessOrEqual(t, len(got), MaxNameBytes)
		assert.True(t, strings.HasSuffix(got, "~.csv"), got)
		assert.Contains(t, got, id)
	}
	assert.Equal(t, id+"_pay.csv", ProcessingName(id, "pay.csv"), "short names are unchanged")
}
