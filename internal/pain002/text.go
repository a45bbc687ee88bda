package pain002

import (
	"strings"

	"github.com/atlarbridge/bridge/internal/isoxml"
)

// Schema length limits (MaxNNText) used by the renderer.
const (
	max35  = 35
	max105 = 105
	max140 = 140
)

// splitText cuts cleaned text into pieces of at most n characters,
// breaking after a word where the piece holds a space, so that a long
// explanation reads naturally over several AddtlInf elements.
func splitText(s string, n int) []string {
	var out []string
	for s != "" {
		cut, fits := isoxml.RuneOffset(s, n)
		if fits {
			return append(out, s)
		}
		head := s[:cut]
		switch i := strings.LastIndexByte(head, ' '); {
		case s[cut] == ' ':
			out, s = append(out, head), s[cut+1:]
		case i > 0:
			out, s = append(out, head[:i]), s[i+1:]
		default:
			out, s = append(out, head), s[cut:]
		}
	}
	return out
}
