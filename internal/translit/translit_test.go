package translit

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestASCII(t *testing.T) {
	for in, want := range map[string]string{
		"Grüße aus Köln":    "Gruesse aus Koeln",
		"Café Zürich & Co":  "Cafe Zuerich & Co",
		"Ærø Ñandú Łódź":    "AEro Nandu Lodz",
		"line\nbreak\ttab":  "line break tab",
		"山田 € 5":            ".. EUR 5",
		"plain, ascii/text": "plain, ascii/text",
	} {
		assert.Equal(t, want, ASCII(in), in)
	}
}
