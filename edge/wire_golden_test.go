package edge

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

var update = flag.Bool("update", false, "rewrite golden files (review the diff before committing)")

// The seed's INVITE from the Expressway-E, sent byte for byte over mutual TLS.
const goldenInvite = "INVITE sip:stejanss@skype.lab SIP/2.0\r\n" +
	"Via: SIP/2.0/TLS 10.48.36.47:5061;egress-zone=DNSZone1;branch=z9hG4bK42ee6fd77d32cc8925196770b950b33554.731d73c3f4246d6a255e38a9f695bfc0;proxy-call-id=6b2a018a-2da5-4013-a7e5-4e1455feadf7;rport\r\n" +
	"Via: SIP/2.0/TLS 10.48.54.160:52768;branch=z9hG4bK6594a02846406f4a5459d5f58a8d26b3;received=10.48.54.160;ingress-zone=NeighborZoneAcano1SIP\r\n" +
	"Call-ID: f1b3ad5d-183b-4632-b210-c2f9bec71960\r\n" +
	"CSeq: 2066245576 INVITE\r\n" +
	"From: \"DX70 Steven\" <sip:2000@acano.steven.lab>;tag=9fea3e7d70afd884\r\n" +
	"To: <sip:stejanss@skype.lab>\r\n" +
	"Max-Forwards: 15\r\n" +
	"Contact: <sip:2000@vcse.acano.steven.lab:5061;transport=tls>\r\n" +
	"Content-Length: 0\r\n\r\n"

// What differs from run to run: the Edge's To tag and the peer's ephemeral port.
var (
	toTagRE   = regexp.MustCompile(`;tag=[0-9A-F]{32}\r\n`)
	msPortRE  = regexp.MustCompile(`;ms-received-port=\d+;`)
	goldenDir = "testdata/wire"
)

// Every refusal, as the whole response goes on the wire, compared byte for byte with a golden file.
func TestInboundWireGoldens(t *testing.T) {
	rows := []struct {
		name string
		opts []edgeOption
		iss  certs.Issuer
		cert certs.LeafRequest
	}{
		{"1009-srv-other-domain", []edgeOption{withZones(acanoToOtherDomain)}, certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}},
		{"1009-srv-other-domain-faithful", []edgeOption{withZones(acanoToOtherDomain), func(c *config.Config) { c.Edge.Diagnostics = config.DiagnosticsFaithful }},
			certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}},
		{"1010-wrong-principal", []edgeOption{withZones(acanoCorrect)}, certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}},
		{"1010-untrusted-root", []edgeOption{withZones(acanoCorrect)}, certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
		{"1010-expired", []edgeOption{withZones(acanoCorrect)}, certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab", Expired: true}},
		{"1008-no-srv", []edgeOption{withZones(map[string]string{"acano.steven.lab": zone("vcse 300 IN A 127.0.0.1")})},
			certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
		{"1002-blocked", []edgeOption{withZones(acanoCorrect), func(c *config.Config) { c.Edge.Federation.Blocked = []string{"acano.steven.lab"} }},
			certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
		{"1003-unknown-user", []edgeOption{withZones(acanoCorrect), func(c *config.Config) { c.Edge.Users = []string{"alice@skype.lab"} }},
			certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			e := startEdge(t, r.opts...)
			c := e.rawTLS(e.issue(r.iss, r.cert))
			if _, err := io.WriteString(c, goldenInvite); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			raw := readFinalResponse(t, bufio.NewReader(c))
			ack := strings.Replace(strings.Replace(goldenInvite, "INVITE sip:", "ACK sip:", 1), "CSeq: 2066245576 INVITE", "CSeq: 2066245576 ACK", 1)
			if m := regexp.MustCompile(`To: <sip:stejanss@skype.lab>;tag=[0-9A-F]{32}`).Find(raw); m != nil {
				ack = strings.Replace(ack, "To: <sip:stejanss@skype.lab>", string(m), 1)
			}
			_, _ = io.WriteString(c, ack)
			if !bytes.Contains(raw, []byte(";received=127.0.0.1;ms-received-port=")) || !bytes.Contains(raw, []byte(";ms-received-cid=100\r\n")) {
				t.Errorf("top Via not stamped as the Edge does:\n%s", raw)
			}
			got := toTagRE.ReplaceAll(raw, []byte(";tag=TOTAG\r\n"))
			got = msPortRE.ReplaceAll(got, []byte(";ms-received-port=PORT;"))
			file := filepath.Join(goldenDir, r.name+".sip")
			if *update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update once, then review)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("wire differs from %s\n got:\n%s\nwant:\n%s", file, got, want)
			}
		})
	}
}

// readFinalResponse reads whole messages off the wire, skipping provisional ones, and returns the
// first final response's exact bytes.
func readFinalResponse(t *testing.T, br *bufio.Reader) []byte {
	t.Helper()
	for {
		var msg bytes.Buffer
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the response: %v (so far %q)", err, msg.String())
			}
			msg.WriteString(line)
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if line == "\r\n" {
				break
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			t.Fatal(err)
		}
		msg.Write(body)
		if !bytes.HasPrefix(msg.Bytes(), []byte("SIP/2.0 1")) {
			return msg.Bytes()
		}
	}
}
