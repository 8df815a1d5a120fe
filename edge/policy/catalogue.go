package policy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/edgesim/edgesim/certs"
)

// RowID names one behaviour of the catalogue: the diagnostic code, and the variant where one code has
// several (1010 per certificate fault, 1002 blocked or not allowed).
type RowID string

// Row is everything the Edge puts on the wire and into its log for one behaviour (§4, §5). A new
// diagnostic is one more row here, one policy rule that returns it, one golden directory and one scenario.
type Row struct {
	ID     RowID
	Code   int    // the ms-diagnostics code
	Status int    // the SIP status; 0: the far end's own (1034)
	Reason string // the SIP reason phrase; "" with Status 0
	// DiagReason is the ms-diagnostics reason="…" text.
	DiagReason string
	// Attrs are the ms-diagnostics attribute names in wire order. "fqdn#" stands for fqdn1…fqdnN;
	// source="<edge fqdn>" always follows and is not listed.
	Attrs []string
	// Severity, Result and Text are the Edge-log record; Data lists its attribute names in order,
	// a trailing "?" marking one left out when it has no value.
	Severity LogLevel
	Result   ResultCode
	Text     string
	Data     []string
	// Fault, ErrorType and HRESULT are the 1010 rows' certificate fault and its wire strings.
	Fault     certs.Fault
	ErrorType string
	HRESULT   string
	// Alert is the TLS alert of a row the Edge applies inside the handshake inbound (§7): there the
	// peer gets this alert and no SIP answer, and the Edge-log record has no SIP lines. "" for the
	// rows that are always a SIP answer.
	Alert string
	// Section is where docs/edge-behaviour.md describes the behaviour; Source says what it rests on:
	// seed (the captured traces), ms (Microsoft's documentation) or choice (ours, the real text unknown).
	Section string
	Source  string
}

const reasonCertTrust = "Certificate trust with another server could not be established"

// Result codes other than the seed's 0xc3e93d6f and 0xc3e93d67 are ours, in the same SIPPROXY_E_*
// family, because Microsoft's are not published (§5).
var catalogue = []Row{
	{ID: "1002-blocked", Code: 1002, Status: 403, Reason: "Forbidden",
		DiagReason: "From URI not authorized to communicate with federated partners", Attrs: []string{"domain"},
		Severity: LevelWarning, Result: ResultCode{0xc3e93d74, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_BLOCKED"},
		Text: "The domain of the message is on the blocked domains list", Data: []string{"domain"},
		Section: "§2.3", Source: "choice"},
	{ID: "1002-not-allowed", Code: 1002, Status: 403, Reason: "Forbidden",
		DiagReason: "From URI not authorized to communicate with federated partners", Attrs: []string{"domain"},
		Severity: LevelWarning, Result: ResultCode{0xc3e93d75, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_NOT_ALLOWED"},
		Text: "The domain of the message is not on the allowed domains list and partner discovery is off", Data: []string{"domain"},
		Section: "§2.3", Source: "choice"},
	{ID: "1003", Code: 1003, Status: 404, Reason: "Not Found", DiagReason: "User does not exist",
		Severity: LevelWarning, Result: ResultCode{0xc3e93c2f, "SIPPROXY_E_UNKNOWN_USER_OR_EPID"},
		Text: "The user or domain of the request is not served by this Edge", Data: []string{"uri"},
		Section: "§2.7", Source: "ms"},
	{ID: "1008", Code: 1008, Status: 504, Reason: "Server time-out", DiagReason: "Unable to resolve DNS SRV record",
		Attrs: []string{"domain"}, Severity: LevelWarning, Result: ResultCode{0xc3e93d6e, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_NO_SRV"},
		Text: "The domain of the message could not be resolved by DNS SRV", Data: []string{"domain", "info"},
		Section: "§2.4", Source: "ms"},
	{ID: "1009", Code: 1009, Status: 504, Reason: "Server time-out", DiagReason: "No match for domain in DNS SRV results",
		Attrs: []string{"domain", "fqdn#"}, Severity: LevelWarning,
		Result: ResultCode{0xc3e93d6f, "SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH"},
		Text:   "The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain",
		Data:   []string{"domain", "fqdn#"}, Section: "§2.5", Source: "seed"},
	certRow("1010-wrong-principal", certs.FaultWrongPrincipal, ResultCode{0xc3e93d67, "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH"},
		"Message cannot be routed because the peer's certificate does not contain a matching FQDN",
		"The peer certificate does not contain a matching FQDN", "0x80090322(SEC_E_WRONG_PRINCIPAL)", "seed"),
	certRow("1010-untrusted-root", certs.FaultUntrustedRoot, ResultCode{0xc3e93d68, "SIPPROXY_E_ROUTING_MSG_CERT_UNTRUSTED_ROOT"},
		"Message cannot be routed because the peer's certificate chain is not trusted",
		"The certificate chain was issued by an authority that is not trusted", "0x80090325(SEC_E_UNTRUSTED_ROOT)", "choice"),
	certRow("1010-expired", certs.FaultExpired, ResultCode{0xc3e93d69, "SIPPROXY_E_ROUTING_MSG_CERT_EXPIRED"},
		"Message cannot be routed because the peer's certificate has expired",
		"The received certificate has expired", "0x80090328(SEC_E_CERT_EXPIRED)", "choice"),
	certRow("1010-no-certificate", certs.FaultNoCertificate, ResultCode{0xc3e93d6a, "SIPPROXY_E_ROUTING_MSG_NO_PEER_CERT"},
		"Message cannot be routed because the peer did not present a certificate",
		"The peer did not present a certificate", "0x8009030E(SEC_E_NO_CREDENTIALS)", "choice"),
	// §7, certificates of 2026. Microsoft publishes neither the Edge's texts nor its result codes for
	// these: each HRESULT is the Schannel / CertGetCertificateChain code closest to the fault, its
	// ErrorType Windows' own message for it, the Result-Code ours in the same family [choice].
	wrongUsageRow(),
	certRow("1010-incomplete-chain", certs.FaultIncompleteChain, ResultCode{0xc3e93d6c, "SIPPROXY_E_ROUTING_MSG_CERT_CHAIN_INCOMPLETE"},
		"Message cannot be routed because the peer's certificate chain could not be built to a trusted root",
		"A certificate chain could not be built to a trusted root authority", "0x800B010A(CERT_E_CHAINING)", "choice"),
	certRow("1010-weak-signature", certs.FaultWeakSignature, ResultCode{0xc3e93d6d, "SIPPROXY_E_ROUTING_MSG_CERT_WEAK_SIGNATURE"},
		"Message cannot be routed because the peer's certificate chain is signed with SHA-1",
		"The client and server cannot communicate, because they do not possess a common algorithm", "0x80090331(SEC_E_ALGORITHM_MISMATCH)", "choice"),
	{ID: "1014", Code: 1014, Status: 504, Reason: "Server time-out", DiagReason: "Unable to resolve DNS A record",
		Attrs: []string{"fqdn"}, Severity: LevelWarning, Result: ResultCode{0xc3e93d70, "SIPPROXY_E_EPROUTING_MSG_SRV_TARGET_NO_A"},
		Text: "The FQDN of the DNS SRV result could not be resolved to an address", Data: []string{"fqdn", "info"},
		Section: "§3.3", Source: "ms"},
	{ID: "1034", Code: 1034, DiagReason: "Previous hop federated peer did not report diagnostic information",
		Attrs: []string{"Domain", "PeerServer"}, Severity: LevelWarning, Result: ResultCode{0xc3e93d73, "SIPPROXY_E_PEER_NO_DIAGNOSTICS"},
		Text: "The federated peer returned a failure without diagnostic information",
		Data: []string{"Domain", "PeerServer", "response", "info?"}, Section: "§3.7", Source: "ms"},
	{ID: "1046", Code: 1046, Status: 504, Reason: "Server time-out", DiagReason: "Failed to connect to a federated peer server",
		Attrs: []string{"fqdn", "WinsockFailureCode"}, Severity: LevelError, Result: ResultCode{0xc3e93d71, "SIPPROXY_E_CONNECT_FAILED"},
		Text: "Failed to connect to the federated peer server",
		Data: []string{"fqdn", "WinsockFailureCode", "WinsockFailureDescription", "info?"}, Section: "§3.4", Source: "choice"},
	{ID: "1047", Code: 1047, Status: 504, Reason: "Server time-out",
		DiagReason: "Failed to complete TLS negotiation with a federated peer server",
		Attrs:      []string{"WinsockFailureCode", "WinsockFailureDescription"}, Severity: LevelError,
		Result: ResultCode{0xc3e93d72, "SIPPROXY_E_TLS_NEGOTIATION_FAILED"},
		Text:   "Failed to complete TLS negotiation with the federated peer server",
		Data:   []string{"fqdn", "WinsockFailureCode", "WinsockFailureDescription", "info?"}, Section: "§3.5", Source: "ms"},
}

func certRow(id RowID, f certs.Fault, rc ResultCode, text, errorType, hresult, source string) Row {
	return Row{ID: id, Code: 1010, Status: 504, Reason: "Server time-out", DiagReason: reasonCertTrust,
		Attrs: []string{"ErrorType", "tls-target", "PeerServer", "HRESULT"}, Severity: LevelError, Result: rc, Text: text,
		Data: []string{"expected-fqdn", "certName", "info"}, Fault: f, ErrorType: errorType, HRESULT: hresult,
		Section: "§2.6", Source: source}
}

// wrongUsageRow is the certificate without the EKU of its role. Inbound the Edge refuses it inside
// the TLS handshake with bad_certificate(42), the alert Go's TLS stack sends for any verification
// failure (Schannel's is not documented) [choice]; outbound it is a 1010 to the Skype user.
func wrongUsageRow() Row {
	r := certRow("1010-wrong-usage", certs.FaultWrongUsage, ResultCode{0xc3e93d6b, "SIPPROXY_E_ROUTING_MSG_CERT_WRONG_USAGE"},
		"Message cannot be routed because the peer's certificate is not valid for the requested usage",
		"The certificate is not valid for the requested usage", "0x800B0110(CERT_E_WRONG_USAGE)", "choice")
	r.Data = []string{"expected-fqdn?", "certName", "required-usage", "info"}
	r.Alert = "bad_certificate(42)"
	r.Section = "§7"
	return r
}

var rowIndex = func() map[RowID]int {
	m := make(map[RowID]int, len(catalogue))
	for i, r := range catalogue {
		m[r.ID] = i
	}
	return m
}()

// Catalogue is every row, in code order.
func Catalogue() []Row { return slices.Clone(catalogue) }

// Lookup finds a row by its ID.
func Lookup(id RowID) (Row, bool) {
	i, ok := rowIndex[id]
	if !ok {
		return Row{}, false
	}
	return catalogue[i], true
}

// Codes are the catalogue's distinct diagnostic codes, in order.
func Codes() []int {
	var out []int
	for _, r := range catalogue {
		if !slices.Contains(out, r.Code) {
			out = append(out, r.Code)
		}
	}
	return out
}

// DiagnosticReason is the reason text of a diagnostic code, "" when the catalogue has none.
func DiagnosticReason(code int) string {
	for _, r := range catalogue {
		if r.Code == code {
			return r.DiagReason
		}
	}
	return ""
}

// ResultByHex finds the Edge-log Result-Code written as 0x…, in either case.
func ResultByHex(hex string) (ResultCode, bool) {
	for _, r := range catalogue {
		if strings.EqualFold(r.Result.Hex(), hex) {
			return r.Result, true
		}
	}
	return ResultCode{}, false
}

// CertRow is the 1010 row of a certificate fault.
func CertRow(f certs.Fault) (Row, bool) {
	for _, r := range catalogue {
		if r.Code == 1010 && r.Fault == f {
			return r, true
		}
	}
	return Row{}, false
}

// values fills a row's attributes; fqdns are the fqdn1…N values where the row lists "fqdn#".
type values struct {
	m     map[string]string
	fqdns []string
}

// refuse is the verdict of a row: its status, its ms-diagnostics and its Edge-log record.
func (r Row) refuse(v values) Verdict {
	d := Diagnostic{Code: r.Code, Reason: r.DiagReason, Attrs: r.fill(r.Attrs, v)}
	rec := LogRecord{Level: r.Severity, Text: r.Text, Result: r.Result, Data: r.fill(r.Data, v)}
	return Verdict{Status: r.Status, Reason: r.Reason, Row: r.ID, Diagnostic: &d, Record: &rec}
}

func (r Row) fill(keys []string, v values) []Attr {
	out := make([]Attr, 0, len(keys)+len(v.fqdns))
	for _, k := range keys {
		switch {
		case k == "fqdn#":
			for i, f := range v.fqdns {
				out = append(out, Attr{"fqdn" + strconv.Itoa(i+1), f})
			}
		case strings.HasSuffix(k, "?"):
			if val := v.m[strings.TrimSuffix(k, "?")]; val != "" {
				out = append(out, Attr{strings.TrimSuffix(k, "?"), val})
			}
		default:
			out = append(out, Attr{k, v.m[k]})
		}
	}
	return out
}

func mustRow(id RowID) Row {
	r, ok := Lookup(id)
	if !ok {
		panic("policy: no catalogue row " + string(id)) // a typo in this package, caught by its tests
	}
	return r
}

// CertWireText is the ErrorType and HRESULT a 1010 carries for a certificate fault; "" for none.
func CertWireText(f certs.Fault) (errorType, hresult string) {
	r, ok := CertRow(f)
	if !ok {
		return "", ""
	}
	return r.ErrorType, r.HRESULT
}
