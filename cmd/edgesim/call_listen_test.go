package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/scenarios/standin"
)

// hangingUpFarEnd is an Expressway-E driven by hand: it answers the Edge's INVITE 200, takes the
// ACK, closes that connection and hangs up on a new one to the Edge's edge.listen, presenting the
// same certificate, as an Expressway does when its connection is gone. Its error says what failed.
type hangingUpFarEnd struct {
	ln   net.Listener
	done chan error
}

func startHangingUpFarEnd(t *testing.T, labDir, edgeListen string) *hangingUpFarEnd {
	t.Helper()
	ca, _, err := certs.EnsureCA(labDir, certs.IssuerLab, certs.CAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.Issue(certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})
	if err != nil {
		t.Fatal(err)
	}
	cert := leaf.TLSCertificate()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := &hangingUpFarEnd{ln: ln, done: make(chan error, 1)}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	go func() { f.done <- f.run(cert, roots, edgeListen) }()
	return f
}

func (f *hangingUpFarEnd) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *hangingUpFarEnd) run(cert tls.Certificate, roots *x509.CertPool, edgeListen string) error {
	c, err := f.ln.Accept()
	if err != nil {
		return err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	inv, err := standin.ReadRequest(br, "INVITE")
	if err != nil {
		return err
	}
	ok := sip.NewResponseFromRequest(inv, 200, "OK", nil)
	ok.To().Params.Add("tag", "farend")
	ok.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:2000@vcse.cms.steven.lab:%d;transport=tls>", f.port())))
	if _, err := io.WriteString(c, ok.String()); err != nil {
		return err
	}
	if _, err := standin.ReadRequest(br, "ACK"); err != nil {
		return err
	}
	_ = c.Close()
	again, err := tls.Dial("tcp", edgeListen, &tls.Config{RootCAs: roots, ServerName: "sip.skype.lab",
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }})
	if err != nil {
		return fmt.Errorf("new connection to edge.listen: %w", err)
	}
	defer again.Close()
	_ = again.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(again, "BYE %s SIP/2.0\r\nVia: SIP/2.0/TLS vcse.cms.steven.lab:%d;branch=z9hG4bKfarend\r\nFrom: %s;tag=farend\r\n"+
		"To: %s\r\nCall-ID: %s\r\nCSeq: 1 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		inv.Contact().Address.String(), f.port(), inv.To().Value(), inv.From().Value(), inv.CallID().Value())
	m, err := standin.ReadMessage(bufio.NewReader(again))
	if err != nil {
		return fmt.Errorf("the BYE's answer: %w", err)
	}
	if res, ok := m.(*sip.Response); !ok || res.StatusCode != 200 {
		return fmt.Errorf("the BYE on a new connection was answered %s", strings.SplitN(m.String(), "\r\n", 2)[0])
	}
	return nil
}

// farEndDir writes edgesim.yaml for a far end on port with edge.listen and console.listen as given.
func farEndDir(t *testing.T, dir, edgeListen, consoleListen, token string, port int) string {
	t.Helper()
	return writeFile(t, filepath.Join(dir, "edgesim.yaml"), "lab:\n  dir: "+filepath.Join(dir, "lab")+"\n"+
		"edge:\n  listen: "+edgeListen+"\nconsole:\n  listen: \""+consoleListen+"\"\n  token: \""+token+"\"\n"+
		"dns:\n  listen: \"\"\n  zones:\n    cms.steven.lab: |\n"+
		"      _sipfederationtls._tcp IN SRV 0 0 "+strconv.Itoa(port)+" vcse.cms.steven.lab.\n      vcse IN A 127.0.0.1\n")
}

func endedBy(t *testing.T, out string) string {
	t.Helper()
	var res struct {
		Answered bool   `json:"answered"`
		EndedBy  string `json:"ended_by"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Answered {
		t.Fatalf("not an answered call's JSON (%v):\n%s", err, out)
	}
	return res.EndedBy
}

// `edgesim call` on its own listens on edge.listen for the call: the far end's BYE on a new
// connection reaches it, is answered 200 and ends the call.
func TestCallAloneHearsTheFarEndsByeOnANewConnection(t *testing.T) {
	dir := t.TempDir()
	edgeListen := "127.0.0.1:" + freePort(t)
	far := startHangingUpFarEnd(t, filepath.Join(dir, "lab"), edgeListen)
	farEndDir(t, dir, edgeListen, "", "", far.port())
	code, out, errb := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--duration", "30s", "--json")
	if err := <-far.done; err != nil {
		t.Fatalf("far end: %v\n%s", err, errb)
	}
	if code != exitOK || endedBy(t, out) != "peer" {
		t.Fatalf("exit %d, want 0 and the call ended by the peer\n%s\n%s", code, out, errb)
	}
	if !strings.Contains(errb, "listening on "+edgeListen+" (edge.listen)") {
		t.Errorf("call did not say it listens on edge.listen:\n%s", errb)
	}
}

// With an `edgesim run` on edge.listen, call has that Edge place the call through its console (with
// console.token), so the far end's BYE on a new connection reaches the Edge holding the dialog.
func TestCallThroughARunningEdgesConsole(t *testing.T) {
	dir := t.TempDir()
	edgeListen, consoleListen := "127.0.0.1:"+freePort(t), "127.0.0.1:"+freePort(t)
	far := startHangingUpFarEnd(t, filepath.Join(dir, "lab"), edgeListen)
	cfg := farEndDir(t, dir, edgeListen, consoleListen, "s3cret-token", far.port())
	out, _ := startRun(t, "run", "--config", cfg)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "console:") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	code, cout, errb := callProcess(t, dir, "call", "sip:2000@cms.steven.lab", "--duration", "30s")
	if err := <-far.done; err != nil {
		t.Fatalf("far end: %v\n%s\n%s", err, cout, errb)
	}
	if code != exitOK || !strings.Contains(cout, "Result: answered 200 OK, hung up by the peer") {
		t.Fatalf("exit %d, want 0 and the call hung up by the peer\n%s\n%s", code, cout, errb)
	}
	if want := "edge.listen " + edgeListen + " is held by a running Edge: placing the call through its console, http://" + consoleListen + "/api/calls"; !strings.Contains(cout, want) {
		t.Errorf("call did not say it went through the console:\n%s", cout)
	}
}

// edge.listen held by something that is no Edge with a console: a clear error, exit 1.
func TestCallWithEdgeListenHeldAndNoConsoleFails(t *testing.T) {
	dir := t.TempDir()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	farEndDir(t, dir, held.Addr().String(), "127.0.0.1:"+freePort(t), "", 5061)
	code, out, errb := callProcess(t, dir, "call", "sip:2000@cms.steven.lab")
	if code != exitFailed || !strings.Contains(errb, "is held by another process, and no console answers at") {
		t.Fatalf("exit %d, want 1 naming both\n%s\n%s", code, out, errb)
	}
}
