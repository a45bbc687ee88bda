package sftpserver

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
)

// algorithms is what the server negotiates. The defaults are everything
// x/crypto/ssh implements and does not class as insecure (OpenSSH's own
// default set), so that the SSH libraries legacy ERPs embed (libssh2 and
// curl, paramiko, JSch, SSH.NET) connect without configuration. SHA-1,
// CBC and 3DES stay opt-in by name through Config.LegacyAlgorithms.
type algorithms struct {
	kex        []string
	ciphers    []string
	macs       []string
	rsaHostKey []string // signature algorithms offered for the RSA host key
	pubKeyAuth []string // client key signature algorithms accepted
}

func defaultAlgorithms() algorithms {
	return algorithms{
		kex: []string{
			ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519,
			ssh.KeyExchangeECDHP256, ssh.KeyExchangeECDHP384, ssh.KeyExchangeECDHP521,
			ssh.KeyExchangeDH14SHA256, ssh.KeyExchangeDH16SHA512, ssh.KeyExchangeDHGEXSHA256,
		},
		ciphers: []string{
			ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305,
			ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR,
		},
		// x/crypto/ssh does not class hmac-sha1 as insecure, but SHA-1 stays
		// opt-in here (SPEC §6): no client that has CTR lacks hmac-sha2.
		macs:       []string{ssh.HMACSHA256ETM, ssh.HMACSHA512ETM, ssh.HMACSHA256, ssh.HMACSHA512},
		rsaHostKey: []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256},
		pubKeyAuth: []string{
			ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519,
			ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256,
			ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256,
		},
	}
}

// buildAlgorithms adds the legacy algorithms to the defaults. Each name must
// be one x/crypto/ssh implements; "ssh-rsa" enables SHA-1 RSA signatures
// for both the host key and client keys.
func buildAlgorithms(legacy []string) (algorithms, error) {
	a := defaultAlgorithms()
	supported, insecure := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	known := func(list func(ssh.Algorithms) []string, name string) bool {
		return slices.Contains(list(supported), name) || slices.Contains(list(insecure), name)
	}
	add := func(list *[]string, name string) {
		if !slices.Contains(*list, name) {
			*list = append(*list, name)
		}
	}
	for _, name := range legacy {
		matched := false
		if known(func(x ssh.Algorithms) []string { return x.KeyExchanges }, name) {
			add(&a.kex, name)
			matched = true
		}
		if known(func(x ssh.Algorithms) []string { return x.Ciphers }, name) {
			add(&a.ciphers, name)
			matched = true
		}
		if known(func(x ssh.Algorithms) []string { return x.MACs }, name) {
			add(&a.macs, name)
			matched = true
		}
		if name == ssh.KeyAlgoRSA {
			add(&a.rsaHostKey, name)
			matched = true
		}
		if known(func(x ssh.Algorithms) []string { return x.PublicKeyAuths }, name) {
			add(&a.pubKeyAuth, name)
			matched = true
		}
		if !matched {
			return algorithms{}, fmt.Errorf("legacy_algorithms: unknown algorithm %q", name)
		}
	}
	return a, nil
}

// hostSigners restricts the RSA host key to the configured signature
// algorithms, so a client cannot negotiate SHA-1 RSA unless it was opted in.
func (a algorithms) hostSigners(keys []ssh.Signer) ([]ssh.Signer, error) {
	out := make([]ssh.Signer, 0, len(keys))
	for _, k := range keys {
		if k.PublicKey().Type() != ssh.KeyAlgoRSA {
			out = append(out, k)
			continue
		}
		as, ok := k.(ssh.AlgorithmSigner)
		if !ok {
			return nil, fmt.Errorf("host key %s: signer cannot choose algorithms", ssh.FingerprintSHA256(k.PublicKey()))
		}
		ms, err := ssh.NewSignerWithAlgorithms(as, a.rsaHostKey)
		if err != nil {
			return nil, fmt.Errorf("host key: %w", err)
		}
		out = append(out, ms)
	}
	return out, nil
}

// legacyEntry returns the legacy_algorithms entry that would let the client
// of a failed negotiation in: the first algorithm it offered, in its own
// order of preference, for the class that found nothing in common, that
// x/crypto/ssh implements and the server does not offer by default. It
// returns "" when no entry would help (the client offered nothing this
// server implements, or only host key types it has no key for).
//
// The x/crypto error names the class and the client's whole list for it,
// which is all this needs; peeking at the client's KEXINIT ourselves would
// duplicate the library's parser for no more information.
func legacyEntry(e *ssh.AlgorithmNegotiationError) string {
	supported, insecure := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	var candidates []string
	switch {
	case strings.HasSuffix(e.What, "key exchange"):
		candidates = slices.Concat(supported.KeyExchanges, insecure.KeyExchanges)
	case strings.HasSuffix(e.What, "cipher"):
		candidates = slices.Concat(supported.Ciphers, insecure.Ciphers)
	case strings.HasSuffix(e.What, "MAC"):
		candidates = slices.Concat(supported.MACs, insecure.MACs)
	case e.What == "host key":
		// The host keys are ed25519 and RSA; only SHA-1 RSA can be added.
		candidates = []string{ssh.KeyAlgoRSA}
	}
	for _, name := range e.RequestedAlgorithms {
		if slices.Contains(candidates, name) && !slices.Contains(e.SupportedAlgorithms, name) {
			return name
		}
	}
	return ""
}
