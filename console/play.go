package console

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/scenarios"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// playTimeout bounds one play from the button to the attempt's page.
const playTimeout = 20 * time.Second

// playable: the console plays the inbound scenarios, whose only actor is the Expressway-E stand-in
// calling the Edge. An outbound scenario needs its own zones and a stand-in listening where they
// point, which is edgesim scenario run's lab, not the running Edge's.
func playable(sc *scenarios.Scenario) bool { return sc.Direction == scenarios.Inbound }

// InboundPlayer plays an inbound scenario against the running Edge at addr: the stand-in presents
// the scenario's certificate (issued by the lab's CAs in lab.dir) and sends its INVITE. The Edge
// decides with its own configuration, not the scenario's edge overrides: the outcome is what this
// Edge does with that peer, which is the point of playing it here.
func InboundPlayer(lab *edge.Lab, addr string, log zerolog.Logger) func(context.Context, *scenarios.Scenario) (string, error) {
	return func(ctx context.Context, sc *scenarios.Scenario) (string, error) {
		if !playable(sc) {
			return "", fmt.Errorf("%s is outbound: run it with edgesim scenario run %s", sc.Name, sc.Name)
		}
		var cert *tls.Certificate
		if sc.Peer.Behaviour != scenarios.BehaviourNoClientCert {
			leaf, err := sc.IssuePeer(lab.Config.Lab.Dir)
			if err != nil {
				return "", err
			}
			if leaf != nil {
				c := leaf.TLSCertificate()
				cert = &c
			}
		}
		roots := x509.NewCertPool()
		roots.AddCert(lab.CA.Cert)
		fqdn := sc.Peer.FQDN
		if fqdn == "" && sc.Peer.Cert != nil {
			fqdn = sc.Peer.Cert.CN
		}
		if fqdn == "" {
			fqdn = "vcse.steven.lab"
		}
		peer, err := standin.NewClient(standin.ClientConfig{FQDN: fqdn, Certificate: cert, EdgeRoots: roots,
			EdgeFQDN: lab.Config.Edge.FQDN, Logger: log})
		if err != nil {
			return "", fmt.Errorf("stand-in: %w", err)
		}
		defer peer.Close()
		inv, err := peer.NewRequest(sip.INVITE, sc.Call.From, sc.Call.To, addr)
		if err != nil {
			return "", fmt.Errorf("invite: %w", err)
		}
		// sipgo adds a Call-ID only when it sends; ours is set here so the attempt can be found by it.
		callID := inv.CallID()
		if callID == nil {
			id := sip.CallIDHeader(rand.Text() + "@edgesim-console")
			inv.AppendHeader(&id)
			callID = &id
		}
		timeout := sc.Call.Timeout
		if timeout <= 0 {
			timeout = scenarios.DefaultCallTimeout
		}
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		// A refused call is the usual outcome here; the attempt says why, so the error is not ours.
		_, _ = peer.Call(cctx, inv, nil)
		return callID.Value(), nil
	}
}

func (s *Server) play(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) {
		http.Redirect(w, r, "/scenarios?error="+url.QueryEscape(err.Error()), http.StatusSeeOther)
	}
	sc, err := scenarios.Find(s.o.Library, r.PathValue("name"))
	if err != nil || s.o.Play == nil {
		fail(errors.New("no such scenario to play"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), playTimeout)
	defer cancel()
	id, err := s.playAndWait(ctx, sc)
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/attempts/"+url.PathEscape(id), http.StatusSeeOther)
}

// playAndWait plays sc and returns the id of its attempt once the recorder has finished it. The Edge
// finishes a refused INVITE on the peer's ACK or its connection's close, both after the stand-in has
// its answer, so the attempt is awaited on a subscription made before the call, not looked up.
func (s *Server) playAndWait(ctx context.Context, sc *scenarios.Scenario) (string, error) {
	sub := s.o.Ring.Subscribe(0)
	defer sub.Close()
	callID, err := s.o.Play(ctx, sc)
	if err != nil {
		return "", fmt.Errorf("playing %s: %w", sc.Name, err)
	}
	for {
		select {
		case a := <-sub.C:
			// A handshake refused before any SIP carries no Call-ID: it is the played one.
			if (callID != "" && a.CallID == callID) || (a.Kind == record.KindHandshake && a.Direction == record.Inbound) {
				return a.ID, nil
			}
		case <-ctx.Done():
			return "", fmt.Errorf("played %s, but no attempt was recorded for it: %w", sc.Name, ctx.Err())
		}
	}
}
