package regress

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// Issue 13's "Kamailio relaying a call keeps the route set": Kamailio in the Expressway-E's seat
// record-routes the Edge's call to a UC answerer. The Edge's in-dialog BYE carries Kamailio's
// entries as its Route and reaches the answerer through Kamailio; the answerer's BYE, relayed by
// Kamailio along the route set, reaches the Edge on a new connection to the Edge's Record-Route
// and still names that Record-Route, and the Edge answers it 200 and ends its call.
func TestKamailioKeepsTheRouteSet(t *testing.T) {
	if !inNetns(t) {
		return
	}
	l := newKamLab(t)
	l.startKamailio(t, kamailioSetup{Cert: "vcse"})
	lab, err := edge.OpenLab(l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := edge.NewService(lab, zerolog.Nop(), edge.ServiceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	edgeRR := fmt.Sprintf("<sip:sip.skype.lab:%d;transport=tls;lr>", l.edgePort)
	kamRR := fmt.Sprintf("127.0.0.1:%d;transport=tls;", l.tlsPort) // then Kamailio's r2=on;lr;ftag=…

	for _, edgeHangsUp := range []bool{true, false} {
		name := map[bool]string{true: "the Edge hangs up", false: "the UC side hangs up"}[edgeHangsUp]
		t.Run(name, func(t *testing.T) {
			uc := startRawAnswerer(t, l.answerPort, edgeHangsUp)
			hold := 30 * time.Second
			if edgeHangsUp {
				hold = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res := svc.Outbound().Call(ctx, edge.CallRequest{From: "sip:stejanss@skype.lab", To: "sip:2000@acano.steven.lab",
				Timeout: 10 * time.Second, Duration: hold}, nil)
			var ucErr error
			select {
			case ucErr = <-uc.done:
			case <-time.After(15 * time.Second):
				ucErr = fmt.Errorf("the answerer did not finish")
			}
			if ucErr != nil {
				t.Fatalf("UC answerer: %v\nsteps: %+v", ucErr, res.Steps)
			}
			if !res.Answered || res.Error != "" {
				t.Fatalf("answered %v, error %q: %+v", res.Answered, res.Error, res.Steps)
			}
			if !strings.Contains(uc.invite, "Record-Route: "+edgeRR) {
				t.Errorf("the INVITE through Kamailio lacks the Edge's Record-Route %s:\n%s", edgeRR, uc.invite)
			}
			if edgeHangsUp {
				bye := stepHeaders(res.Steps, edge.StepSent, "BYE ")
				if res.EndedBy != "edge" || !strings.Contains(bye, "Route: <sip:"+kamRR) {
					t.Errorf("ended by %q; the Edge's BYE must carry Kamailio's route %s:\n%s", res.EndedBy, kamRR, bye)
				}
				return
			}
			bye := stepHeaders(res.Steps, edge.StepReceived, "BYE ")
			if res.EndedBy != "peer" || !strings.Contains(bye, "Route: "+edgeRR) {
				t.Errorf("ended by %q; Kamailio's BYE toward the Edge must carry the Edge's Record-Route %s:\n%s", res.EndedBy, edgeRR, bye)
			}
		})
	}
}

// stepHeaders is the header lines of the first step of kind whose text starts with prefix.
func stepHeaders(steps []edge.Step, kind edge.StepKind, prefix string) string {
	for _, s := range steps {
		if s.Kind == kind && strings.HasPrefix(s.Text, prefix) {
			return strings.Join(s.Detail, "\n")
		}
	}
	return ""
}

// rawAnswerer is the UC side on plain TCP, written by hand so the test decides who hangs up and
// sees the requests as Kamailio relays them.
type rawAnswerer struct {
	invite string // the INVITE as it arrived
	done   chan error
}

func startRawAnswerer(t *testing.T, port int, edgeHangsUp bool) *rawAnswerer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	a := &rawAnswerer{done: make(chan error, 1)}
	go func() { a.done <- a.serve(ln, port, edgeHangsUp) }()
	return a
}

func (a *rawAnswerer) serve(ln net.Listener, port int, edgeHangsUp bool) error {
	c, err := ln.Accept()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(c)
	inv, err := standin.ReadRequest(br, "INVITE")
	if err != nil {
		return err
	}
	a.invite = inv.String()
	ok := sip.NewResponseFromRequest(inv, 200, "OK", nil)
	ok.To().Params.Add("tag", "uc1")
	ok.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:2000@127.0.0.1:%d;transport=tcp>", port)))
	if _, err := io.WriteString(c, ok.String()); err != nil {
		return err
	}
	if _, err := standin.ReadRequest(br, "ACK"); err != nil {
		return err
	}
	if edgeHangsUp {
		bye, err := standin.ReadRequest(br, "BYE")
		if err != nil {
			return err
		}
		_, err = io.WriteString(c, sip.NewResponseFromRequest(bye, 200, "OK", nil).String())
		return err
	}
	// The UAS's route set is the INVITE's Record-Route in order (RFC 3261 §12.1.1).
	var routes strings.Builder
	for _, rr := range inv.GetHeaders("Record-Route") {
		routes.WriteString("Route: " + rr.Value() + "\r\n")
	}
	fmt.Fprintf(c, "BYE %s SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bKucbye\r\n%sFrom: %s;tag=uc1\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		inv.Contact().Address.String(), port, routes.String(), inv.To().Value(), inv.From().Value(), inv.CallID().Value())
	for {
		m, err := standin.ReadMessage(br)
		if err != nil {
			return fmt.Errorf("the answer to the UC side's BYE: %w", err)
		}
		if r, ok := m.(*sip.Response); ok && r.CSeq().Value() == "1 BYE" && r.StatusCode >= 200 {
			if r.StatusCode != 200 {
				return fmt.Errorf("the UC side's BYE was answered %d %s", r.StatusCode, r.Reason)
			}
			return nil
		}
	}
}
