package console

import (
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/miekg/dns"
)

// labCert is one certificate found in the lab directory.
type labCert struct {
	File, Subject, Issuer, NotAfter string
	SANs                            []string
	Expired                         bool
}

// maxLabFiles bounds the walk of the lab directory: scenarios add files over time.
const maxLabFiles = 400

func (s *Server) lab(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{"Title": "lab"}
	if l := s.o.Lab; l != nil {
		cfg := l.Config
		data["Lab"] = l
		data["Zones"] = zoneTexts(l.Zones.Domains(), l.Zones.Records())
		data["Certs"] = labCerts(cfg.Lab.Dir)
		data["SIPAddr"] = s.o.SIPAddr
		data["DNSAddr"] = s.o.DNSAddr
	}
	s.render(w, "lab.html", data)
}

func (s *Server) caPEM(w http.ResponseWriter, r *http.Request) {
	if s.o.Lab == nil || s.o.Lab.CA == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="edgesim-lab-ca.pem"`)
	_ = pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: s.o.Lab.CA.Cert.Raw})
}

type zoneText struct {
	Domain, Text string
}

// zoneTexts writes the records as zone files, each record under the longest zone that holds it.
func zoneTexts(domains []string, rrs []dns.RR) []zoneText {
	text := map[string]*strings.Builder{}
	for _, d := range domains {
		text[d] = &strings.Builder{}
		text[d].WriteString("$ORIGIN " + dns.Fqdn(d) + "\n")
	}
	for _, rr := range rrs {
		name := strings.ToLower(rr.Header().Name)
		best := ""
		for _, d := range domains {
			if dns.IsSubDomain(dns.Fqdn(strings.ToLower(d)), name) && len(d) > len(best) {
				best = d
			}
		}
		if b := text[best]; b != nil {
			b.WriteString(rr.String() + "\n")
		}
	}
	out := make([]zoneText, 0, len(domains))
	for _, d := range domains {
		out = append(out, zoneText{d, text[d].String()})
	}
	return out
}

// labCerts lists the certificates kept under dir (the lab CAs, the Edge's, the scenarios'), the
// first of each PEM file; keys are never opened.
func labCerts(dir string) []labCert {
	var out []labCert
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if n++; n > maxLabFiles {
			return fs.SkipAll
		}
		if !strings.HasSuffix(p, ".pem") && !strings.HasSuffix(p, ".crt") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return nil
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, labCert{File: rel, Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName,
			NotAfter: day(c.NotAfter), SANs: c.DNSNames, Expired: c.NotAfter.Before(nowFunc())})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}
