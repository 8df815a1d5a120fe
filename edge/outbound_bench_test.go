package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
	"github.com/edgesim/edgesim/sipstack"
)

// BenchmarkOutboundCall is a whole outbound call to a stand-in that answers 200 over loopback mutual
// TLS: SRV and A from the embedded resolver, TCP, TLS with the Edge's certificate and the certificate
// rule, INVITE, 180, 200, ACK and BYE on a new connection each time.
func BenchmarkOutboundCall(b *testing.B) {
	l := newOutLab(b)
	peer := l.peer(standin.ServerConfig{Certificate: benchLeaf(b, l, "vcse.cms.steven.lab"), RequireClientCert: true})
	o := l.open(cmsZone("vcse.cms.steven.lab", peer.Addr().Port()))
	req := CallRequest{From: "sip:stejanss@skype.lab", To: "sip:2000@cms.steven.lab", Timeout: 5 * time.Second}
	for b.Loop() {
		if r := o.Call(context.Background(), req, nil); !r.Answered {
			b.Fatalf("not answered: %d %s %s", r.Status, r.Diagnostic, r.Error)
		}
	}
}

// BenchmarkSipgoBareInvite is the baseline: the same call from a plain sipgo user agent with no Edge
// policy, no DNS and no certificate check of our own, also on a new TLS connection each time.
func BenchmarkSipgoBareInvite(b *testing.B) {
	l := newOutLab(b)
	peer := l.peer(standin.ServerConfig{Certificate: benchLeaf(b, l, "vcse.cms.steven.lab"), RequireClientCert: true})
	edgeCert := benchLeaf(b, l, "sip.skype.lab")
	conf := &tls.Config{ServerName: "vcse.cms.steven.lab", InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, // a baseline: nothing is verified
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &edgeCert, nil }}
	dest := peer.Addr().String()
	for b.Loop() {
		if err := bareInvite(conf, dest); err != nil {
			b.Fatal(err)
		}
	}
}

func bareInvite(conf *tls.Config, dest string) error {
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(conf), sipgo.WithUserAgentHostname("sip.skype.lab"))
	if err != nil {
		return err
	}
	defer ua.Close()
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("sip.skype.lab"))
	if err != nil {
		return err
	}
	dua := sipgo.DialogUA{Client: cli, RewriteContact: true,
		ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "sip.skype.lab", UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}}}
	inv := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "2000", Host: "cms.steven.lab"})
	inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	inv.SetBody(sipstack.OfferSDP("127.0.0.1", 50100))
	inv.SetTransport("TLS")
	inv.SetDestination(dest)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := dua.WriteInvite(ctx, inv)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
		return err
	}
	if err := s.Ack(ctx); err != nil {
		return err
	}
	if err := s.Bye(ctx); err != nil {
		return errors.Join(errors.New("bye"), err)
	}
	return nil
}

func benchLeaf(b *testing.B, l *outLab, cn string) tls.Certificate {
	b.Helper()
	ca, _, err := certs.EnsureCA(l.dir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		b.Fatal(err)
	}
	leaf, err := ca.Issue(certs.LeafRequest{CommonName: cn})
	if err != nil {
		b.Fatal(err)
	}
	return leaf.TLSCertificate()
}
