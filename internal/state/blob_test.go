package state

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore_Blob(t *testing.T) {
	s, _ := openTest(t, Options{})
	_, err := s.GetBlob("F1/batch-0")
	require.ErrorIs(t, err, ErrNotFound)

	body := []byte(`{"treatment":"INDIVIDUAL_PAYMENTS"}`)
	require.NoError(t, s.PutBlob("F1/batch-0", body))
	body[0] = 'X' // the store kept its own copy
	got, err := s.GetBlob("F1/batch-0")
	require.NoError(t, err)
	assert.Equal(t, `{"treatment":"INDIVIDUAL_PAYMENTS"}`, string(got))
}

func TestStore_Delete(t *testing.T) {
	s, _ := openTest(t, Options{})
	sendFile(t, s, "A", "sepa", "sha1", "MSG-1")
	require.NoError(t, s.Create(newFile("B", "sepa"), "claimed"))

	require.NoError(t, s.Delete("A"))
	_, err := s.Get("A")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.FindDuplicate("sepa", "sha1", "MSG-1", t0, "")
	require.ErrorIs(t, err, ErrNotFound, "index entries went with the file")
	counts, err := s.Counts()
	require.NoError(t, err)
	assert.Equal(t, map[string]map[State]int{"sepa": {Received: 1}}, counts)

	require.ErrorIs(t, s.Delete("A"), ErrNotFound)
	// openTest's cleanup runs Check: nothing dangles.
}

func TestStore_DeleteBlobs(t *testing.T) {
	s, _ := openTest(t, Options{})
	for _, k := range []string{"batch/F1/0/0", "batch/F1/0/1", "batch/F1/1/0", "batch/F10/0/0", "batch/F2/0/0"} {
		require.NoError(t, s.PutBlob(k, []byte(k)))
	}
	require.NoError(t, s.DeleteBlobs("batch/F1/"))
	for _, k := range []string{"batch/F1/0/0", "batch/F1/0/1", "batch/F1/1/0"} {
		_, err := s.GetBlob(k)
		require.ErrorIs(t, err, ErrNotFound, k)
	}
	for _, k := range []string{"batch/F10/0/0", "batch/F2/0/0"} {
		_, err := s.GetBlob(k)
		require.NoError(t, err, "%s is another file's", k)
	}
	require.Error(t, s.DeleteBlobs(""))
}
