package edge

import (
	"testing"

	"github.com/edgesim/edgesim/certs"
)

// Only the peer that owns a dialog may end or renegotiate it: another TLS client that knows (or
// guesses) the Call-ID and tags gets 403 for its BYE and re-INVITE, and the call stays up.
func TestInDialogRequestsNeedTheOwner(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	owner := e.rawPeer(t, e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	d := owner.call("owned-1")

	intruder := e.rawPeer(t, e.issue(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "intruder.example"}))
	for _, m := range []string{"INVITE", "BYE"} {
		if res := intruder.inDialog(d, m); res == nil || res.StatusCode != 403 {
			t.Errorf("intruder's %s: %v, want 403", m, res)
		}
	}
	waitLog(t, e, "in-dialog request from another peer")
	if res := owner.inDialog(d, "INVITE"); res == nil || res.StatusCode != 200 {
		t.Errorf("owner's re-INVITE: %v, want 200 (the call must still be up)", res)
	}
	if res := owner.inDialog(d, "BYE"); res == nil || res.StatusCode != 200 {
		t.Errorf("owner's BYE: %v, want 200", res)
	}
}

// The owner is the certificate, not only the connection: a peer that reconnects with the same
// certificate (an Expressway-E opening a new TLS connection) still owns its dialog.
func TestInDialogOwnerMayReconnect(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	cert := e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"})
	d := e.rawPeer(t, cert).call("owned-2")
	if res := e.rawPeer(t, cert).inDialog(d, "BYE"); res == nil || res.StatusCode != 200 {
		t.Errorf("BYE on a new connection with the owner's certificate: %v, want 200", res)
	}
}
