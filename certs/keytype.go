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
	}
	return "", fmt.Errorf("unknown key type %q (want ecdsa-p256 or rsa2048)", s)
}

func generateKey(kt KeyType) (crypto.Signer, error) {
	kt, err := ParseKeyType(string(kt))
	if err != nil {
		return nil, err
	}
	switch kt {
	case KeyRSA2048:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate rsa key: %w", err)
		}
		return k, nil
	default:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate ecdsa key: %w", err)
		}
		return k, nil
	}
}
