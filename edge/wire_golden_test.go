package edge

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

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
	toTagRE    = regexp.MustCompile(`;tag=[0-9A-F]{32}\r\n`)
	msPortRE   = regexp.MustCompile(`;ms-received-port=\d+;`)
	logPeerRE  = regexp.MustCompile(`(?m)^Peer: (.*):\d+\r$`)
	logFirstRE = regexp.MustCompile(`^[^\r\n]*\$\$begin_record\r\n`)
)

// invite is the seed's INVITE with the case's From, P-Asserted-Identity and Request-URI.
func (f goldenFacts) invite() string {
	s := strings.ReplaceAll(goldenInvite, "sip:stejanss@skype.lab", "sip:"+f.RequestURI)
	s = strings.Replace(s, "<sip:2000@acano.steven.lab>", "<sip:"+f.From+">", 1)
	if f.PAI != "" {
		s = strings.Replace(s, "Max-Forwards:", "P-Asserted-Identity: <sip:"+f.PAI+">\r\nMax-Forwards:", 1)
	}
	return s
}

// wireOptions are the Edge configuration and lab DNS of an inbound case: the SRV answer becomes the
// federation domain's zone (an error: a zone without the record).
func (f goldenFacts) wireOptions(t testing.TB) []edgeOption {
	d, _ := f.inboundFacts(t, nil, time.Time{}).FederationDomain()
	zones := map[string]string{}
	if f.SRV != nil {
		var lines []string
		for _, tg := range f.SRV.Targets {
			lines = append(lines, fmt.Sprintf("_sipfederationtls._tcp 300 IN SRV %d %d %d %s", tg.Priority, tg.Weight, tg.Port,
				strings.TrimSuffix(tg.Target, ".")+"."))
		}
		if f.SRV.Error != "" {
			lines = append(lines, "vcse 300 IN A 127.0.0.1")
		}
		zones[d] = zone(lines...)
	}
	return []edgeOption{withZones(zones), func(c *config.Config) {
		c.Edge = f.tweak(c.Edge)
		c.Edge.RequireClientCert = f.Certificate.Issuer != "none" // a peer without one must reach the policy
	}}
}

// Every inbound golden directory's refusal, as the whole response goes on the wire from a real Edge,
// compared byte for byte with its want.sip; the record the Edge wrote must be its want.log.
func TestInboundWireGoldens(t *testing.T) {
	for _, c := range loadGoldenCases(t, inboundCasesDir) {
		t.Run(c.name, func(t *testing.T) {
			e := startEdge(t, c.facts.wireOptions(t)...)
			var cert *tls.Certificate
			if iss, req, ok := c.facts.Certificate.request(t); ok {
				cert = e.issueVia(iss, c.facts.Certificate.via(), req)
			}
			conn := e.rawTLS(cert)
			invite := c.facts.invite()
			if _, err := io.WriteString(conn, invite); err != nil {
				t.Fatal(err)
			}
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			raw := readFinalResponse(t, bufio.NewReader(conn))
			to := "To: <sip:" + c.facts.RequestURI + ">"
			ack := strings.Replace(strings.Replace(invite, "INVITE sip:", "ACK sip:", 1), "CSeq: 2066245576 INVITE", "CSeq: 2066245576 ACK", 1)
			if m := regexp.MustCompile(regexp.QuoteMeta(to) + `;tag=[0-9A-F]{32}`).Find(raw); m != nil {
				ack = strings.Replace(ack, to, string(m), 1)
			}
			_, _ = io.WriteString(conn, ack)
			if !bytes.Contains(raw, []byte(";received=127.0.0.1;ms-received-port=")) || !bytes.Contains(raw, []byte(";ms-received-cid=100\r\n")) {
				t.Errorf("top Via not stamped as the Edge does:\n%s", raw)
			}
			got := toTagRE.ReplaceAll(raw, []byte(";tag=TOTAG\r\n"))
			got = msPortRE.ReplaceAll(got, []byte(";ms-received-port=PORT;"))
			compareGolden(t, c.dir, "want.sip", got)
			checkWireRecord(t, c, e.edgeLog.String())
		})
	}
}

// checkWireRecord compares the record the real Edge wrote with want.log, but for the header line and
// the Peer's port, which the real logger and the peer's socket choose.
func checkWireRecord(t *testing.T, c goldenCase, written string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(c.dir, "want.log"))
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string {
		s = logFirstRE.ReplaceAllString(s, "")
		return logPeerRE.ReplaceAllString(s, "Peer: $1:PORT\r")
	}
	if got, w := norm(written), norm(string(want)); got != w {
		t.Errorf("the Edge wrote a record other than %s/want.log\n got: %q\nwant: %q", c.dir, got, w)
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
