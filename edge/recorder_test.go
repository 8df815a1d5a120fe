package edge

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/rs/zerolog"

	"github.com/edgesim/edgesim/capture/hep"
	"github.com/edgesim/edgesim/certs"
	"github.com/edgesim/edgesim/metrics"
	"github.com/edgesim/edgesim/record"
)

// recordingZones: acano.steven.lab's SRV leaves the domain (1009); cms.steven.lab is correct.
var recordingZones = map[string]string{
	"acano.steven.lab": zone("_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.steven.lab."),
	"steven.lab":       zone("vcse 300 IN A 127.0.0.1"),
	"cms.steven.lab":   zone("_sipfederationtls._tcp 300 IN SRV 0 0 5061 vcse.cms.steven.lab.", "vcse 300 IN A 127.0.0.1"),
}

type recorded struct {
	e      *testEdge
	rec    *Recorder
	m      *metrics.Metrics
	pcapng string
	keylog string
	hep    net.PacketConn
}

func startRecordingEdge(t *testing.T) *recorded {
	t.Helper()
	dir := t.TempDir()
	hl, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hl.Close() })
	r := &recorded{m: metrics.New("test"), pcapng: filepath.Join(dir, "edge.pcapng"), keylog: filepath.Join(dir, "keys.log"), hep: hl}
	r.rec, err = NewRecorder(RecordOptions{PCAPNG: r.pcapng, KeyLog: r.keylog, HEP: "udp:" + hl.LocalAddr().String(),
		JSONL: filepath.Join(dir, "attempts.jsonl"), History: 10, Metrics: r.m, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	r.e = startEdgeWith(t, zerolog.Nop(), ServiceOptions{Recorder: r.rec}, withZones(recordingZones))
	return r
}

// run places the refused call (1009), the answered one and a handshake without a client
// certificate, then closes the Edge and the recorder so every file is whole.
func (r *recorded) run(t *testing.T) []record.Attempt {
	t.Helper()
	e := r.e
	refused := e.call(e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.steven.lab"})), seedFrom, seedTo)
	if refused.Final == nil || refused.Final.StatusCode != 504 {
		t.Fatalf("refused call: %+v", refused)
	}
	answered := e.call(e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})), "sip:2000@cms.steven.lab", seedTo)
	if !answered.Answered || !answered.HungUp {
		t.Fatalf("answered call: %+v", answered)
	}
	p := e.peer(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.Call(ctx, e.request(p, sip.INVITE, seedFrom, seedTo), nil); err == nil {
		t.Fatal("a peer without a certificate got through")
	}
	_ = p.Close()
	// The client hears the alert before the Edge's side of the handshake has told the recorder:
	// closing now could end the recorder first. Its metrics say when it has the attempt.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(scrape(t, r.m), `outcome="tls-refused"`) {
			break
		}
	}
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	if err := e.svc.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if err := r.rec.Close(); err != nil {
		t.Fatal(err)
	}
	return r.rec.Ring().Snapshot()
}

func TestRecorderAttemptsAndMetrics(t *testing.T) {
	r := startRecordingEdge(t)
	attempts := r.run(t)
	byOutcome := map[string]record.Attempt{}
	for _, a := range attempts {
		byOutcome[a.Outcome] = a
	}
	ref := byOutcome[record.OutcomeRefused]
	if ref.Method != "INVITE" || ref.Diagnostic != 1009 || ref.Status != 504 || ref.EdgeLog == "" || len(ref.Trace) == 0 ||
		ref.FromDomain != "acano.steven.lab" || ref.PeerName != "vcse.steven.lab" || len(ref.TLS) != 1 || len(ref.DNS) == 0 {
		t.Errorf("refused attempt %+v", ref)
	}
	if len(ref.TLS) == 1 && len(ref.TLS[0].Chain) > 0 {
		// The chain the peer presented, as a regression report shows it: usages and signature too.
		if leaf := ref.TLS[0].Chain[0]; !strings.Contains(leaf.EKUs, "clientAuth") || leaf.Signature == "" {
			t.Errorf("the peer's leaf lacks its usages or signature algorithm: %+v", leaf)
		}
	} else {
		t.Errorf("refused attempt: no presented chain in %+v", ref.TLS)
	}
	if got := startLines(ref); got != "INVITE,SIP/2.0 504 Server time-out,ACK" {
		t.Errorf("refused attempt's messages: %s", got)
	}
	ans := byOutcome[record.OutcomeAnswered]
	if ans.Kind != record.KindDialog || !strings.Contains(startLines(ans), "SIP/2.0 200 OK,ACK,BYE,SIP/2.0 200 OK") {
		t.Errorf("answered attempt %s: %s", ans.Kind, startLines(ans))
	}
	hs := byOutcome[record.OutcomeTLSRefused]
	if hs.Kind != record.KindHandshake || len(hs.TLS) != 1 || hs.TLS[0].Error == "" {
		t.Errorf("handshake attempt %+v", hs)
	}
	body := scrape(t, r.m)
	for _, want := range []string{
		`edgesim_attempts_total{direction="inbound",method="INVITE",ms_diagnostics="1009",outcome="refused"} 1`,
		`edgesim_attempts_total{direction="inbound",method="INVITE",ms_diagnostics="",outcome="answered"} 1`,
		`edgesim_attempts_total{direction="inbound",method="",ms_diagnostics="",outcome="tls-refused"} 1`,
		`edgesim_sip_responses_total{direction="inbound",method="INVITE",status_code="504"} 1`,
		`edgesim_sip_responses_total{direction="inbound",method="BYE",status_code="200"} 1`,
		`edgesim_tls_handshakes_total{direction="inbound",result="failed",version="none"} 1`,
		`edgesim_tls_handshakes_total{direction="inbound",result="ok",version="TLS 1.2"} 2`,
		`edgesim_dns_queries_total{qtype="SRV",rcode="NOERROR"} 2`,
		`edgesim_calls_active 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, p := range []string{r.pcapng, r.keylog} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, fi, err)
		}
	}
}

func startLines(a record.Attempt) string {
	var s []string
	for _, m := range a.Messages {
		line := m.StartLine
		if i := strings.IndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "SIP/2.0") {
			line = line[:i]
		}
		s = append(s, line)
	}
	return strings.Join(s, ",")
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler(""))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func TestRecorderHEP(t *testing.T) {
	r := startRecordingEdge(t)
	r.run(t)
	var sip, logs int
	var refusalLogged bool
	buf := make([]byte, 70000)
	for {
		_ = r.hep.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, _, err := r.hep.ReadFrom(buf)
		if err != nil {
			break // every packet was sent before the recorder closed
		}
		chunks, err := hep.Decode(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		v := map[uint16][]byte{}
		for _, c := range chunks {
			v[c.Type] = c.Value
		}
		if v[hep.ChunkIPFamily][0] != hep.FamilyIPv4 || len(v[hep.ChunkIPv4Src]) != 4 || len(v[hep.ChunkCorrelationID]) == 0 {
			t.Fatalf("chunks %v", v)
		}
		switch v[hep.ChunkProtoType][0] {
		case hep.TypeSIP:
			sip++
		case hep.TypeLog:
			logs++
			refusalLogged = strings.Contains(string(v[hep.ChunkPayload]), "0xc3e93d6f")
		}
	}
	// refused: INVITE, 504, ACK; answered: INVITE, 100, 180, 200, ACK, BYE, 200.
	if sip != 10 || logs != 1 || !refusalLogged {
		t.Fatalf("HEP: %d SIP, %d log packets (refusal logged %v)", sip, logs, refusalLogged)
	}
}

// TestRecorderPCAPNGWithTshark: tshark shows the decrypted SIP with no key options, and decrypts a
// separate key log as well; the handshake refusal shows its alert.
func TestRecorderPCAPNGWithTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed (.ci/run installs it from Debian)")
	}
	r := startRecordingEdge(t)
	port := strconv.Itoa(r.e.svc.SIPAddr().(*net.TCPAddr).Port)
	r.run(t)
	if keep := os.Getenv("EDGESIM_KEEP_PCAPNG"); keep != "" {
		b, _ := os.ReadFile(r.pcapng)
		_ = os.WriteFile(keep, b, 0o600)
	}
	// The Edge's port is ephemeral here, so tshark is told it carries TLS and SIP (on 5061 it knows);
	// the keys come from the file's own Decryption Secrets Block: no key option.
	out := tshark(t, "-r", r.pcapng, "-d", "tcp.port=="+port+",tls", "-d", "tls.port=="+port+",sip", "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.msg_hdr")
	for _, want := range []string{"INVITE", "504", "ms-diagnostics: 1009", "200", "ACK", "BYE"} {
		if !strings.Contains(out, want) {
			t.Errorf("tshark -Y sip lacks %s:\n%s", want, out)
		}
	}
	alerts := tshark(t, "-r", r.pcapng, "-d", "tcp.port=="+port+",tls", "-Y", "tls.alert_message", "-T", "fields", "-e", "tls.alert_message.desc")
	if strings.TrimSpace(alerts) == "" {
		t.Errorf("no TLS alert in the capture")
	}
	comments := tshark(t, "-r", r.pcapng, "-Y", "frame.comment", "-T", "fields", "-e", "frame.comment")
	if !strings.Contains(comments, "0xc3e93d6f") {
		t.Errorf("the refusal's packet lacks the Edge-log code in its comment: %q", comments)
	}
}

func tshark(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("tshark", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// The pcapng file is written pcapFlushEvery behind at most, even when the calls stop: a reader
// tailing it sees the last call without a Sync or a Close.
func TestRecorderPCAPNGCatchesUpWhenCallsStop(t *testing.T) {
	r := startRecordingEdge(t)
	e := r.e
	if c := e.call(e.peer(e.issue(certs.IssuerLab, certs.LeafRequest{CommonName: "vcse.cms.steven.lab"})), "sip:2000@cms.steven.lab", seedTo); !c.Answered {
		t.Fatalf("call: %+v", c)
	}
	time.Sleep(batchDelay + 3*pcapFlushEvery)
	quiet, err := os.Stat(r.pcapng)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.rec.Sync(ctx); err != nil { // Sync writes out whatever is still buffered
		t.Fatal(err)
	}
	synced, err := os.Stat(r.pcapng)
	if err != nil {
		t.Fatal(err)
	}
	if quiet.Size() != synced.Size() {
		t.Fatalf("%d bytes of the call were still buffered %v after it", synced.Size()-quiet.Size(), batchDelay+3*pcapFlushEvery)
	}
}
