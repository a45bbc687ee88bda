package crashtest

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/atlarbridge/bridge/internal/atlar"
	"github.com/atlarbridge/bridge/internal/atlar/atlartest"
	"github.com/stretchr/testify/require"
)

type atlarPayment = atlar.CreateCreditTransferRequest

// killTally counts kill points by kind and, for the exact ones, by the
// journal write or Atlar answer they followed.
type killTally struct {
	Total    int
	Journal  int // crash switch: right after the N-th journal write
	Answer   int // crash switch: Atlar answered, the journal does not know
	Random   int // SIGKILL after a random delay
	Timeouts int // a crash switch that did not fire in time, SIGKILLed instead
	ByStep   map[string]int
}

func (k *killTally) String() string {
	var steps []string
	for s, n := range k.ByStep {
		steps = append(steps, fmt.Sprintf("%s×%d", s, n))
	}
	sort.Strings(steps)
	return fmt.Sprintf("%d kills: %d right after a journal write, %d between an Atlar answer and its journal write, "+
		"%d random SIGKILLs (+%d switches that did not fire in time); exact points: %s",
		k.Total, k.Journal, k.Answer, k.Random, k.Timeouts, strings.Join(steps, ", "))
}

var crashLine = regexp.MustCompile(`crashhook: exit 137 after (journal write|atlar answer) \d+: (\S+(?: \S+)?)`)

// stepName reduces a crash line's op to a step: "update:submitting to
// Atlar" → "update:submitting", "POST /payments/…" → "POST batch".
func stepName(kind, what string) string {
	if kind == "atlar answer" {
		method, path, _ := strings.Cut(what, " ")
		switch {
		case strings.Contains(path, "credit-transfer-batches"):
			return method + " batch"
		case strings.Contains(path, "/instructions"):
			return method + " instruction"
		case strings.Contains(path, "oauth2"):
			return method + " token"
		}
		return method + " " + path
	}
	op, _, _ := strings.Cut(what, " ")
	return strings.TrimSuffix(op, ":")
}

// cycle runs the bridge once and ends it: by its own crash switch or by a
// SIGKILL after a random delay. It fails the test if the bridge ended any
// other way.
func (r *rig) cycle(rng *rand.Rand, k *killTally) {
	r.t.Helper()
	var crash string
	delay := time.Duration(30+rng.IntN(700)) * time.Millisecond
	switch x := rng.IntN(100); {
	case x < 40:
		prefixes := []string{"", "", "update", "create", "delivery"}
		crash = fmt.Sprintf("journal:%d", 1+rng.IntN(40))
		if p := prefixes[rng.IntN(len(prefixes))]; p != "" {
			crash = fmt.Sprintf("journal:%d:%s", 1+rng.IntN(4), p)
		}
		delay = 1500 * time.Millisecond
	case x < 55:
		posts := []string{"POST /payments/v2beta/credit-transfer-batches", "POST /connectivity/", "GET /payments/", "POST /iam/"}
		crash = fmt.Sprintf("http:%d:%s", 1+rng.IntN(2), posts[rng.IntN(len(posts))])
		delay = 1500 * time.Millisecond
	}
	p := r.start(crash)
	select {
	case <-p.done:
	case <-time.After(delay): // the experiment's random kill instant
		r.kill(p)
	}
	k.Total++
	out := r.output(p)
	switch {
	case p.exitCode() == 137:
		m := crashLine.FindStringSubmatch(out)
		require.NotNil(r.t, m, "exit 137 without a crash line:\n%s", out)
		if m[1] == "journal write" {
			k.Journal++
		} else {
			k.Answer++
		}
		k.ByStep[stepName(m[1], m[2])]++
	case p.killedBySignal() && crash != "":
		k.Timeouts++
	case p.killedBySignal():
		k.Random++
	default:
		r.t.Fatalf("the bridge ended by itself (exit %d, crash switch %q):\n%s", p.exitCode(), crash, out)
	}
}

// TestCrash_KillStorm drops files continuously through the folders and over
// SFTP while killing the bridge hundreds of times: right after journal
// writes, between an Atlar answer and its journal write, and by SIGKILL at
// random instants (with a share of Atlar's answers lost after their effect
// and some latency, so kills land while requests are in flight). After the
// last restart it waits for quiescence and checks that every file was paid
// exactly once and nothing was lost.
func TestCrash_KillStorm(t *testing.T) {
	s := seed(t)
	kills := envInt(t, "CRASHTEST_KILLS", 200)
	files := envInt(t, "CRASHTEST_FILES", 400)
	rng := newRand(s, 1)
	r := newRig(t, rigOptions{SFTP: true, Statements: true, Extra: collectionsRoute})
	r.fake.SetFaults(atlartest.Faults{
		Seed: int64(s), RateLostResponse: 0.15, Latency: 30 * time.Millisecond,
		Only: []string{"POST /payments/v2beta/credit-transfer-batches", "POST /connectivity/", "POST /payments/v2/"},
	})

	led := &ledger{}
	d := &dropper{r: r, led: led, rng: newRand(s, 2), tag: "K", max: files, interval: 250 * time.Millisecond}
	k := &killTally{ByStep: map[string]int{}}
	start := time.Now()
	// The first start makes the folders the dropper writes into.
	first := r.start("")
	r.waitReady(first, 30*time.Second)
	r.kill(first)
	coll := &collections{r: r, tag: "KC"}
	coll.drop(t, envInt(t, "CRASHTEST_COLLECTION_FILES", 8))
	d.start()
	defer d.finish()
	for k.Total < kills {
		r.cycle(rng, k)
	}
	for d.finish(); !d.finished(); {
		r.cycle(rng, k)
	}
	t.Logf("%s in %s", k, time.Since(start).Round(time.Second))
	r.fake.SetFaults(atlartest.Faults{})
	r.drain(led, 90*time.Second)
	v := r.verify(led)
	st := r.fake.Stats()
	t.Logf("verdict: %s", v)
	t.Logf("faults injected: %d responses lost after their effect, %d idempotent replays; %d SFTP upload attempts failed and were retried",
		st.LostResponses, st.Replays, led.sftpRetries)
	require.Zero(t, v.Duplicates)
	require.Zero(t, v.Lost)
	require.GreaterOrEqual(t, k.Total, kills)
	coll.verify(t, 90*time.Second)
}
