package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
)

// KeyType is the algorithm of a generated key.
type KeyType string

const (
	KeyECDSAP256 KeyType = "ecdsa-p256"
	KeyRSA2048   KeyType = "rsa2048"
	KeyRSA4096   KeyType = "rsa4096"
	// KeyRSA8192 exists to reproduce the Expressway's SIP TLS zones failing on such keys (X15
	// certificate guide); generating one takes seconds to a minute.
	KeyRSA8192 KeyType = "rsa8192"
)

// ParseKeyType accepts the spellings people type on a command line; the empty
// string means the default, ECDSA P-256, because it is fast to generate and
// every TLS stack the lab talks to accepts it.
func ParseKeyType(s string) (KeyType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "ecdsa-p256", "ecdsa", "p256":
		return KeyECDSAP256, nil
	case "rsa2048", "rsa":
		return KeyRSA2048, nil
	case "rsa4096":
		return KeyRSA4096, nil
	case "rsa8192":
		return KeyRSA8192, nil
	}
	return "", fmt.Errorf("unknown key type %q (want ecdsa-p256, rsa2048, rsa4096 or rsa8192)", s)
}

func generateKey(kt KeyType) (crypto.Signer, error) {
	kt, err := ParseKeyType(string(kt))
	if err != nil {
		return nil, err
	}
	if bits := kt.rsaBits(); bits > 0 {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, fmt.Errorf("generate rsa key: %w", err)
		}
		return k, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ecdsa key: %w", err)
	}
	return k, nil
}

// rsaBits is the modulus size of an RSA key type, 0 for the others.
func (kt KeyType) rsaBits() int {
	switch kt {
	case KeyRSA2048:
		return 2048
	case KeyRSA4096:
		return 4096
	case KeyRSA8192:
		return 8192
	}
	return 0
}
