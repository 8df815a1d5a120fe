package certs

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"testing"
)

func TestParseKeyType(t *testing.T) {
	tests := []struct {
		in      string
		want    KeyType
		wantErr bool
	}{
		{"", KeyECDSAP256, false},
		{"ecdsa-p256", KeyECDSAP256, false},
		{"ecdsa", KeyECDSAP256, false},
		{"p256", KeyECDSAP256, false},
		{" ECDSA ", KeyECDSAP256, false},
		{"rsa2048", KeyRSA2048, false},
		{"rsa", KeyRSA2048, false},
		{"RSA", KeyRSA2048, false},
		{"rsa4096", KeyRSA4096, false},
		{"rsa8192", KeyRSA8192, false},
		{"rsa1024", "", true},
		{"ed25519", "", true},
	}
	for _, tt := range tests {
		t.Run("in="+tt.in, func(t *testing.T) {
			got, err := ParseKeyType(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseKeyType(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseKeyType(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	ec, err := generateKey(KeyECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ec.(*ecdsa.PrivateKey); !ok || k.Curve.Params().Name != "P-256" {
		t.Errorf("ecdsa-p256 gave %T", ec)
	}
	r, err := generateKey(KeyRSA2048)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := r.(*rsa.PrivateKey); !ok || k.N.BitLen() != 2048 {
		t.Errorf("rsa2048 gave %T", r)
	}
	if _, err := generateKey("dsa"); err == nil {
		t.Error("generateKey(dsa) succeeded")
	}
}
