package edge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/scenarios/standin"
)

func goodPeerEdge(t testing.TB, opts ...edgeOption) (*testEdge, *standin.Client) {
	t.Helper()
	e := startEdge(t, append([]edgeOption{withZones(acanoCorrect)}, opts...)...)
	return e, e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Federation carries IM and presence too: MESSAGE, OPTIONS and SUBSCRIBE go through the same rules.
func TestInboundOtherMethods(t *testing.T) {
	e, p := goodPeerEdge(t)
	ctx := ctx5(t)

	res, err := p.Do(ctx, e.request(p, sip.MESSAGE, seedFrom, seedTo))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("MESSAGE: %v %v", res, err)
	}

	res, err = p.Do(ctx, e.request(p, sip.OPTIONS, seedFrom, seedTo))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS: %v %v", res, err)
	}
	for _, h := range []string{"Allow", "Accept", "Supported"} {
		if res.GetHeader(h) == nil {
			t.Errorf("OPTIONS 200 lacks %s", h)
		}
	}

	sub := e.request(p, sip.SUBSCRIBE, seedFrom, seedTo)
	sub.AppendHeader(sip.NewHeader("Event", "presence"))
	sub.AppendHeader(sip.NewHeader("Expires", "600"))
	res, err = p.Do(ctx, sub)
	if err != nil || res.StatusCode != 200 || res.GetHeader("Expires").Value() != "600" {
		t.Fatalf("SUBSCRIBE: %v %v", res, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(p.Notifies()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	ns := p.Notifies()
	if len(ns) != 1 {
		t.Fatalf("%d NOTIFYs, want 1", len(ns))
	}
	if body := string(ns[0].Body()); !strings.Contains(body, `entity="sip:stejanss@skype.lab"`) || !strings.Contains(body, "<basic>open</basic>") {
		t.Errorf("NOTIFY body is not the PIDF expected:\n%s", body)
	}
	if ct := ns[0].ContentType(); ct == nil || ct.Value() != "application/pidf+xml" {
		t.Errorf("NOTIFY Content-Type %v", ct)
	}

	res, err = p.Do(ctx, e.request(p, sip.REGISTER, seedFrom, seedTo))
	if err != nil || res.StatusCode != 405 || res.GetHeader("Allow") == nil {
		t.Fatalf("REGISTER: %v %v", res, err)
	}
	res, err = p.Do(ctx, e.request(p, sip.RequestMethod("FOO"), seedFrom, seedTo))
	if err != nil || res.StatusCode != 501 {
		t.Fatalf("unknown method: %v %v", res, err)
	}
}

// The refusal applies to MESSAGE and OPTIONS too, not only INVITE.
func TestInboundMessageRefused(t *testing.T) {
	e := startEdge(t, withZones(acanoToOtherDomain))
	p := e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"}))
	for _, m := range []sip.RequestMethod{sip.MESSAGE, sip.OPTIONS, sip.SUBSCRIBE} {
		res, err := p.Do(ctx5(t), e.request(p, m, seedFrom, seedTo))
		if err != nil || res.StatusCode != 504 || !strings.HasPrefix(diagnostic(res), "1009;") {
			t.Errorf("%s: %v %v", m, res, err)
		}
	}
	if n := strings.Count(e.edgeLog.String(), "$$begin_record"); n != 3 {
		t.Errorf("%d Edge-log records, want 3", n)
	}
}

// A To tag is the peer's to choose: it must not carry a request past the rules.
func TestInboundToTagIsNoExemption(t *testing.T) {
	e := startEdge(t, withZones(acanoCorrect))
	p := e.peer(e.issue(certs.IssuerUntrusted, certs.LeafRequest{CommonName: "vcse.acano.steven.lab"}))
	for _, m := range []sip.RequestMethod{sip.MESSAGE, sip.SUBSCRIBE} {
		req := e.request(p, m, seedFrom, seedTo)
		req.To().Params.Add("tag", "PEERCHOSEN")
		if m == sip.SUBSCRIBE {
			req.AppendHeader(sip.NewHeader("Event", "presence"))
		}
		res, err := p.Do(ctx5(t), req)
		if err != nil || res.StatusCode != 504 || !strings.Contains(diagnostic(res), "SEC_E_UNTRUSTED_ROOT") {
			t.Errorf("%s with a To tag from an untrusted peer: %v %v", m, res, err)
		}
	}
	if len(p.Notifies()) != 0 {
		t.Errorf("the Edge sent NOTIFY to an untrusted peer")
	}
}

func TestInboundDialogs(t *testing.T) {
	t.Run("re-INVITE inside the call", func(t *testing.T) {
		e, p := goodPeerEdge(t)
		var reinvite *sip.Response
		res, err := p.Call(ctx5(t), e.request(p, sip.INVITE, seedFrom, seedTo), func(ctx context.Context, d *sipgo.DialogClientSession) bool {
			req := sip.NewRequest(sip.INVITE, d.InviteResponse.Contact().Address)
			req.SetDestination(d.InviteResponse.Source())
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			req.SetBody(d.InviteRequest.Body())
			r, err := d.Do(ctx, req)
			if err != nil {
				t.Errorf("re-INVITE: %v", err)
				return true
			}
			reinvite = r
			ack := sip.NewRequest(sip.ACK, d.InviteResponse.Contact().Address)
			ack.SetDestination(d.InviteResponse.Source())
			_ = d.WriteAck(ctx, ack)
			return true
		})
		if err != nil || !res.HungUp {
			t.Fatalf("call: %+v %v", res, err)
		}
		if reinvite == nil || reinvite.StatusCode != 200 || !strings.Contains(string(reinvite.Body()), "m=audio") {
			t.Errorf("re-INVITE answer %v", reinvite)
		}
	})

	t.Run("BYE from the Edge", func(t *testing.T) {
		e, p := goodPeerEdge(t, func(c *config.Config) { c.Edge.HangupAfter = 100 * time.Millisecond })
		res, err := p.Call(ctx5(t), e.request(p, sip.INVITE, seedFrom, seedTo), func(ctx context.Context, _ *sipgo.DialogClientSession) bool {
			for len(p.Byes()) == 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond)
			}
			return false
		})
		if err != nil || !res.Answered || res.HungUp {
			t.Fatalf("call: %+v %v", res, err)
		}
		if len(p.Byes()) != 1 {
			t.Fatalf("the Edge sent %d BYEs, want 1", len(p.Byes()))
		}
	})

	t.Run("CANCEL while ringing", func(t *testing.T) {
		e, p := goodPeerEdge(t, func(c *config.Config) { c.Edge.AnswerDelay = 3 * time.Second })
		inv := e.request(p, sip.INVITE, seedFrom, seedTo)
		inv.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		inv.SetBody([]byte(standin.DefaultOffer))
		tx, err := p.SIPClient().TransactionRequest(ctx5(t), inv)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Terminate()
		waitStatus(t, tx, 180)
		cancel := sip.NewRequest(sip.CANCEL, inv.Recipient)
		for _, h := range []string{"Via", "From", "To", "Call-ID"} {
			cancel.AppendHeader(sip.HeaderClone(inv.GetHeader(h)))
		}
		cancel.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
		cancel.SetDestination(e.addr)
		cancel.SetTransport("TLS")
		cres, err := p.Do(ctx5(t), cancel)
		if err != nil || cres.StatusCode != 200 {
			t.Fatalf("CANCEL: %v %v", cres, err)
		}
		waitStatus(t, tx, 487)
	})

	t.Run("BYE for an unknown dialog", func(t *testing.T) {
		e, p := goodPeerEdge(t)
		bye := e.request(p, sip.BYE, seedFrom, seedTo)
		bye.To().Params.Add("tag", "NOSUCHDIALOG")
		res, err := p.Do(ctx5(t), bye)
		if err != nil || res.StatusCode != 481 {
			t.Fatalf("BYE: %v %v", res, err)
		}
	})
}

func waitStatus(t *testing.T, tx sip.ClientTransaction, want int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case r := <-tx.Responses():
			if r.StatusCode == want {
				return
			}
			if r.StatusCode >= 200 {
				t.Fatalf("got %d, want %d", r.StatusCode, want)
			}
		case <-tx.Done():
			t.Fatalf("transaction ended before %d: %v", want, tx.Err())
		case <-timeout:
			t.Fatalf("no %d within 5s", want)
		}
	}
}
