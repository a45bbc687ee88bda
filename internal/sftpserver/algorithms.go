package sftpserver

import (
	"fmt"
	"slices"

	"golang.org/x/crypto/ssh"
)

// algorithms is what the server negotiates. The defaults are the modern set
// only: post-quantum hybrid and curve25519 key exchange, AEAD ciphers, and
// ed25519 / RSA with SHA-2 signatures. Old ERP clients opt in to more by
// name through Config.LegacyAlgorithms.
type algorithms struct {
	kex        []string
	ciphers    []string
	macs       []string
	rsaHostKey []string // signature algorithms offered for the RSA host key
	pubKeyAuth []string // client key signature algorithms accepted
}

func defaultAlgorithms() algorithms {
	return algorithms{
		kex:     []string{ssh.KeyExchangeMLKEM768X25519, ssh.KeyExchangeCurve25519},
		ciphers: []string{ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305},
		// MACs only matter for a legacy non-AEAD cipher; keep them to the
		// encrypt-then-MAC SHA-2 ones unless asked.
		macs:       []string{ssh.HMACSHA256ETM, ssh.HMACSHA512ETM},
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
