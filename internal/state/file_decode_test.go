package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Journals written before File.TooLarge said "over max_file_size" with an
// empty hash; such records read back as TooLarge.
func TestDecodeFile_TooLargeFromOlderJournals(t *testing.T) {
	for _, tt := range []struct {
		name, json string
		want       bool
	}{
		{"older record, no hash", `{"id":"A","sha256":""}`, true},
		{"older record, hashed", `{"id":"A","sha256":"ab12"}`, false},
		{"explicit", `{"id":"A","sha256":"","tooLarge":true}`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := decodeFile([]byte("A"), []byte(tt.json))
			require.NoError(t, err)
			assert.Equal(t, tt.want, f.TooLarge)
		})
	}
}
