package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// runLatency measures how long after an SFTP upload's close, and after a
// folder drop's settle window, the file's batch create reaches Atlar.
// Uploads and drops alternate, one every interval, so that each is
// measured on a bridge with a few files in flight, as in production.
func runLatency(o options) error {
	s, err := newSetup(0)
	if err != nil {
		return err
	}
	defer s.close()
	const settle = 2 * time.Second
	b, err := s.startBridge("latency", bridgeConfig{Settle: settle.String(), Workers: o.workers})
	if err != nil {
		return err
	}
	defer b.stop()

	client, closeClient, err := dialSFTP(b.sftpAddr, s.signer)
	if err != nil {
		return err
	}
	defer closeClient()

	upload := func(id string) (time.Time, error) {
		w, err := client.Create("/inbox/payables/" + id + ".csv")
		if err != nil {
			return time.Time{}, err
		}
		if _, err := w.Write(oneRowCSV(id)); err != nil {
			return time.Time{}, err
		}
		t0 := time.Now()
		return t0, w.Close()
	}
	drop := func(id string) (time.Time, error) {
		final := filepath.Join(b.inbox(), id+".csv")
		if err := os.WriteFile(final+".part", oneRowCSV(id), 0o644); err != nil {
			return time.Time{}, err
		}
		t0 := time.Now()
		return t0, os.Rename(final+".part", final)
	}

	// Warm-up: the account list is fetched once and cached; connections
	// and the journal file get their first pages.
	for _, id := range []string{"WARM-S", "WARM-F"} {
		send := upload
		if id == "WARM-F" {
			send = drop
		}
		if _, err := send(id); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	if err := waitSeen(s.fake, []string{"WARM-S", "WARM-F"}, settle+30*time.Second); err != nil {
		return err
	}

	fmt.Printf("latency: %d rounds of %d SFTP uploads and %d folder drops, alternating, one every %s; settle %s; workers %d\n",
		o.rounds, o.samples, o.samples, o.interval, settle, o.workers)
	type quantiles struct{ p50, p99, max []time.Duration }
	var sftpQ, dropQ quantiles
	add := func(q *quantiles, d []time.Duration) {
		slices.Sort(d)
		q.p50 = append(q.p50, percentile(d, 50))
		q.p99 = append(q.p99, percentile(d, 99))
		q.max = append(q.max, d[len(d)-1])
	}
	for r := range o.rounds {
		sent := map[string]time.Time{}
		var sftpIDs, dropIDs []string
		tick := time.NewTicker(o.interval)
		for i := 0; i < 2*o.samples; i++ {
			<-tick.C
			var id string
			var t0 time.Time
			if i%2 == 0 {
				id = fmt.Sprintf("LAT-%d-S-%04d", r, i/2)
				t0, err = upload(id)
				sftpIDs = append(sftpIDs, id)
			} else {
				id = fmt.Sprintf("LAT-%d-F-%04d", r, i/2)
				t0, err = drop(id)
				dropIDs = append(dropIDs, id)
			}
			if err != nil {
				tick.Stop()
				return fmt.Errorf("send %s: %w", id, err)
			}
			sent[id] = t0
		}
		tick.Stop()
		if err := waitSeen(s.fake, append(slices.Clone(sftpIDs), dropIDs...), settle+60*time.Second); err != nil {
			return err
		}
		lat := func(ids []string, less time.Duration) []time.Duration {
			var out []time.Duration
			for _, id := range ids {
				at, _ := s.fake.firstCreate(id)
				out = append(out, at.Sub(sent[id])-less)
			}
			return out
		}
		add(&sftpQ, lat(sftpIDs, 0))
		add(&dropQ, lat(dropIDs, settle))
		fmt.Printf("round %d: p99 sftp %.1f ms, folder %.1f ms\n", r+1, ms(sftpQ.p99[r]), ms(dropQ.p99[r]))
	}
	report := func(what string, q quantiles, ref string) {
		fmt.Printf("%-40s median of rounds: p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms   goal p99 <= 100 ms   reference %s\n",
			what, ms(medianDur(q.p50)), ms(medianDur(q.p99)), ms(medianDur(q.max)), ref)
	}
	report("sftp close -> first Atlar request:", sftpQ,
		"Camel SFTP poller: 500 ms poll + 1 s read lock = 0.5-1.5 s")
	report("folder settle -> first Atlar request:", dropQ,
		"Camel file poller: 500 ms poll beyond its 1 s read lock = 0-500 ms")
	return nil
}

func medianDur(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// waitSeen waits until the fake has seen a batch create for every id.
func waitSeen(f *fake, ids []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, id := range ids {
		for {
			if _, ok := f.firstCreate(id); ok {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no batch create for %s after %s", id, timeout)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// oneRowCSV is a one-payment run whose payment externalId is id.
func oneRowCSV(id string) []byte {
	return []byte("external_id,source_iban,amount,currency,external_account_id\n" +
		id + "," + sourceIBAN + ",12.34,EUR," + counterparty + "\n")
}

func dialSFTP(addr string, signer ssh.Signer) (*sftp.Client, func(), error) {
	conn, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{
		User:            "erp",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), // a throwaway server on loopback
		Timeout:         10 * time.Second,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: %w", err)
	}
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("sftp: %w", err)
	}
	return c, func() { c.Close(); conn.Close() }, nil
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
