package edge

import (
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
)

// A call whose peer's connection closed after the ACK is ended once edge.dialog_conn_grace passes:
// the peer, back on a new connection with the same certificate, finds no dialog (481).
func TestDialogEndsWhenItsConnectionIsGone(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.DialogConnGrace = 200 * time.Millisecond })
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	p := e.rawPeer(t, cert)
	d := p.call("vanish-1")
	p.settle(d)
	_ = p.c.Close()
	waitLog(t, e, "the peer's connection is gone past edge.dialog_conn_grace")
	if res := e.rawPeer(t, cert).inDialog(d, "BYE"); res == nil || res.StatusCode != 481 {
		t.Errorf("BYE after the grace time: %v, want 481", res)
	}
}

// Within the grace time the peer may come back on a new connection and keep its call.
func TestDialogSurvivesAReconnectWithinGrace(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.DialogConnGrace = time.Minute })
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	p := e.rawPeer(t, cert)
	d := p.call("vanish-2")
	p.settle(d)
	_ = p.c.Close()
	if res := e.rawPeer(t, cert).inDialog(d, "BYE"); res == nil || res.StatusCode != 200 {
		t.Errorf("BYE on a new connection within the grace time: %v, want 200", res)
	}
}

// A call without any in-dialog request for edge.dialog_idle_timeout is hung up by the Edge with a
// BYE over the peer's connection.
func TestDialogIdleTimeoutSendsBye(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect), func(c *config.Config) { c.Edge.DialogIdle = 300 * time.Millisecond })
	p := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	d := p.call("idle-1")
	var bye *sip.Request
	for deadline := time.Now().Add(5 * time.Second); bye == nil && time.Now().Before(deadline); {
		if r, ok := p.read(time.Until(deadline)).(*sip.Request); ok && r.Method == sip.BYE {
			bye = r
		}
	}
	if bye == nil {
		t.Fatal("no BYE from the Edge after edge.dialog_idle_timeout")
	}
	if got := bye.CallID().Value(); got != d.callID {
		t.Errorf("BYE for %s, want %s", got, d.callID)
	}
	waitLog(t, e, "no in-dialog request for edge.dialog_idle_timeout")
}
