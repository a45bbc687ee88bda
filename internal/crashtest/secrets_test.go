package crashtest

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSecrets_NeverWritten runs a full demo cycle with debug logs — CSV and
// pain.001 files by folder and SFTP, a rejected file, an expired token,
// statements — and checks that neither the Atlar secret nor its Basic
// encoding nor any bearer token the bridge was given appears in the logs,
// the journal, the error reports or the outbox.
func TestSecrets_NeverWritten(t *testing.T) {
	r := newRig(t, rigOptions{SFTP: true, Statements: true})
	led := &ledger{}
	p := r.start("")
	r.waitReady(p, 30*time.Second)
	rng := newRand(5, 5)
	seq := 0
	for _, via := range []string{"folder", "sftp"} {
		for _, route := range []string{"payables", "sepa", "sepa-transfers"} {
			seq++
			var f *logical
			if route == "payables" {
				f = csvFile(rng, route, "SEC", seq)
			} else {
				f = painFile(rng, route, "SEC", seq)
			}
			f.Via = via
			if via == "sftp" {
				require.NoError(t, r.dropSFTP(f))
			} else {
				require.NoError(t, r.dropFolder(f))
			}
			led.add(f)
		}
		r.fake.ExpireTokens() // the bridge must fetch a new one
	}
	bad := &logical{Route: "payables", Name: "bad.csv", Via: "folder", Rejected: true,
		Data: []byte("external_id,source_iban,amount,currency\nX 1,DE00000000000000000000,-1,EUR\n")}
	require.NoError(t, r.dropFolder(bad))
	led.add(bad)
	require.Equal(t, 0, r.stop(p))
	r.drain(led, 60*time.Second)
	t.Logf("verdict: %s", r.verify(led))

	secrets := map[string]string{
		"secret":       r.secret,
		"basic header": base64.StdEncoding.EncodeToString([]byte("crash-key:" + r.secret)),
	}
	tokens := r.tap.all()
	require.GreaterOrEqual(t, len(tokens), 2, "a token before and after the expiry")
	for i, tok := range tokens {
		secrets["token "+string(rune('A'+i))] = tok
	}
	log, err := os.ReadFile(r.logPath)
	require.NoError(t, err)
	require.Contains(t, string(log), `"msg":"atlar call"`, "debug logging was on")
	places := map[string][]byte{"bridge log": log}
	for _, rel := range listFiles(r.root) {
		data, err := os.ReadFile(filepath.Join(r.root, rel))
		if err == nil {
			places[rel] = data
		}
	}
	require.Contains(t, places, "state/bridge.db")
	for where, data := range places {
		for what, s := range secrets {
			require.Falsef(t, bytes.Contains(data, []byte(s)), "the %s appears in %s", what, where)
		}
	}
	t.Logf("checked %d files and the log (%d bytes) for the secret, its Basic encoding and %d tokens",
		len(places)-1, len(log), len(tokens))
}
