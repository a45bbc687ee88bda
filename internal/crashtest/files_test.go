package crashtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// logical is one payment file as the ERP means it: it may reach the bridge
// more than once (an SFTP upload retried after the connection died), but
// must be paid exactly once.
type logical struct {
	Route, Name string
	Data        []byte
	// Instruction is set for files forwarded untouched; the others become
	// credit-transfer batches.
	Instruction bool
	// Payments are the payments' external ids (EndToEndIds), in order.
	Payments []string
	Amounts  []int64
	Via      string // folder | sftp
	// Rejected marks a file meant to be refused by validation.
	Rejected bool
}

// ledger is every logical file a test dropped.
type ledger struct {
	mu          sync.Mutex
	files       []*logical
	sftpRetries int
}

func (l *ledger) add(f *logical) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.files = append(l.files, f)
}

func (l *ledger) all() []*logical {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*logical(nil), l.files...)
}

// Creditors the fake knows (seed data) and valid inline IBANs.
const (
	debtorIBAN    = "DE89370400440532013000"
	counterparty  = "external:fournisseur-sarl-eur"
	inlineIBAN    = "DE75512108001245126199"
	inlineIBAN2   = "FR1420041010050500013M02606"
	magicFailedCt = 99999 // 999.99 fails at the fake's bank: never drawn
)

func amount(rng *rand.Rand) int64 {
	for {
		if a := 100 + rng.Int64N(250000); a != magicFailedCt {
			return a
		}
	}
}

func money(a int64) string { return fmt.Sprintf("%d.%02d", a/100, a%100) }

// csvFile is a CSV payment run of 1–3 payments to the seeded counterparty
// or to inline creditors.
func csvFile(rng *rand.Rand, route, tag string, seq int) *logical {
	f := &logical{Route: route, Name: fmt.Sprintf("%s-%04d.csv", tag, seq)}
	var b strings.Builder
	b.WriteString("external_id,source_iban,amount,currency,external_account_id,creditor_name,creditor_iban,reference\n")
	for k := 1; k <= 1+rng.IntN(3); k++ {
		id := fmt.Sprintf("%s-%d-%d", tag, seq, k)
		a := amount(rng)
		dest := counterparty + ",,"
		if rng.IntN(2) == 0 {
			dest = ",Müller GmbH," + inlineIBAN
		}
		fmt.Fprintf(&b, "%s,%s,%s,EUR,%s,Invoice %s\n", id, debtorIBAN, money(a), dest, id)
		f.Payments = append(f.Payments, id)
		f.Amounts = append(f.Amounts, a)
	}
	f.Data = []byte(b.String())
	return f
}

// painFile is a pain.001.001.03 of 1–3 SEPA payments from the seeded EUR
// account, with a MsgId of its own.
func painFile(rng *rand.Rand, route, tag string, seq int) *logical {
	f := &logical{Route: route, Name: fmt.Sprintf("%s-%04d.xml", tag, seq), Instruction: route == "sepa"}
	msgID := fmt.Sprintf("%s-MSG-%d", tag, seq)
	var txs strings.Builder
	var sum int64
	n := 1 + rng.IntN(3)
	for k := 1; k <= n; k++ {
		id := fmt.Sprintf("%s-%d-%d", tag, seq, k)
		a := amount(rng)
		sum += a
		iban := inlineIBAN
		if k%2 == 0 {
			iban = inlineIBAN2
		}
		fmt.Fprintf(&txs, painTx, id, money(a), iban, id)
		f.Payments = append(f.Payments, id)
		f.Amounts = append(f.Amounts, a)
	}
	today := time.Now().Format(time.DateOnly)
	f.Data = fmt.Appendf(nil, painDoc, msgID, n, money(sum), msgID, n, money(sum), today, debtorIBAN, txs.String())
	return f
}

const painDoc = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>%s</MsgId>
      <CreDtTm>2026-01-02T09:30:00</CreDtTm>
      <NbOfTxs>%d</NbOfTxs>
      <CtrlSum>%s</CtrlSum>
      <InitgPty><Nm>Crash Test GmbH</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>%s-1</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <NbOfTxs>%d</NbOfTxs>
      <CtrlSum>%s</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>%s</ReqdExctnDt>
      <Dbtr><Nm>Crash Test GmbH</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>%s</IBAN></Id></DbtrAcct>
      <DbtrAgt><FinInstnId><BIC>COBADEFFXXX</BIC></FinInstnId></DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
%s    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`

const painTx = `      <CdtTrfTxInf>
        <PmtId><EndToEndId>%s</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">%s</InstdAmt></Amt>
        <Cdtr><Nm>Creditor</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>%s</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>Invoice %s</Ustrd></RmtInf>
      </CdtTrfTxInf>
`

// randomFile is a CSV or pain.001 for one of the routes a channel feeds.
func randomFile(rng *rand.Rand, via, tag string, seq int) *logical {
	routes := []string{"payables", "marked", "sepa", "sepa-transfers"}
	if via == "sftp" {
		routes = []string{"payables", "sepa", "sepa-transfers"}
	}
	var f *logical
	switch route := routes[rng.IntN(len(routes))]; route {
	case "payables", "marked":
		f = csvFile(rng, route, tag, seq)
	default:
		f = painFile(rng, route, tag, seq)
	}
	f.Via = via
	return f
}

// dropFolder drops a file the way an ERP does: under a temp name renamed
// when complete, or, on a done-marker route, written in place and then
// marked done.
func (r *rig) dropFolder(f *logical) error {
	dir := filepath.Join(r.root, "inbox", f.Route)
	final := filepath.Join(dir, f.Name)
	if f.Route == "marked" {
		if err := os.WriteFile(final, f.Data, 0o644); err != nil {
			return err
		}
		return os.WriteFile(final+".done", nil, 0o644)
	}
	tmp := final + ".part"
	if len(f.Name)+len(".part") > 255 {
		// No room for a suffix: write beside the inbox, on the same disk.
		tmp = filepath.Join(r.root, "inbox", "."+f.Route+".drop.part")
	}
	if err := os.WriteFile(tmp, f.Data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// dropSFTP uploads a file over SFTP once; the upload counts only if the
// close succeeded.
func (r *rig) dropSFTP(f *logical) error {
	c, err := r.sftpClient()
	if err != nil {
		return err
	}
	defer c.Close()
	return put(c, "/inbox/"+f.Route+"/"+f.Name, f.Data)
}

// sftpConn is an SFTP session as the ERP would hold it.
type sftpConn struct {
	*sftp.Client
	ssh *ssh.Client
}

func (c *sftpConn) Close() error {
	_ = c.Client.Close()
	return c.ssh.Close()
}

func (r *rig) sftpClient() (*sftpConn, error) {
	conf := &ssh.ClientConfig{
		User: "erp", Auth: []ssh.AuthMethod{ssh.PublicKeys(r.erpKey)},
		// Our own server on loopback, whose keys the test made.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         2 * time.Second,
	}
	sc, err := ssh.Dial("tcp", r.sftpAddr, conf)
	if err != nil {
		return nil, err
	}
	c, err := sftp.NewClient(sc)
	if err != nil {
		_ = sc.Close()
		return nil, err
	}
	return &sftpConn{Client: c, ssh: sc}, nil
}

func put(c *sftpConn, path string, data []byte) error {
	w, err := c.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// dropper feeds files to a rig in the background until stopped: every
// interval one new file through the folder and, every other interval, one
// over SFTP, at most max files in all. An SFTP upload that fails (the
// bridge is down or died mid-upload) is retried with the same bytes until
// it succeeds, as an ERP would; stopping waits for that upload.
type dropper struct {
	r        *rig
	led      *ledger
	rng      *rand.Rand
	tag      string
	max      int
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}
}

func (d *dropper) start() {
	d.stop, d.done = make(chan struct{}), make(chan struct{})
	go d.run()
}

// finish stops new drops; finished then reports when the last SFTP upload
// went through (the bridge must run for that).
func (d *dropper) finish() {
	select {
	case <-d.stop:
	default:
		close(d.stop)
	}
}

func (d *dropper) finished() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

func (d *dropper) run() {
	defer close(d.done)
	seq := 0
	var pending *logical // an SFTP upload not yet acknowledged
	for tick := 0; ; tick++ {
		stopped := false
		select {
		case <-d.stop:
			stopped = true
		case <-time.After(d.interval): // the drop rate, not synchronisation
		}
		if stopped && pending == nil {
			return
		}
		if !stopped && seq < d.max {
			seq++
			f := randomFile(d.rng, "folder", d.tag, seq)
			if err := d.r.dropFolder(f); err == nil {
				d.led.add(f)
			}
		}
		if !stopped && pending == nil && seq < d.max && tick%2 == 0 {
			seq++
			pending = randomFile(d.rng, "sftp", d.tag, seq)
		}
		if pending != nil {
			if err := d.r.dropSFTP(pending); err == nil {
				d.led.add(pending)
				pending = nil
			} else {
				d.led.mu.Lock()
				d.led.sftpRetries++
				d.led.mu.Unlock()
			}
		}
		if stopped {
			time.Sleep(d.interval) // retry pacing while the bridge restarts
		}
	}
}
