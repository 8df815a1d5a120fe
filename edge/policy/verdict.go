package policy

import (
	"strconv"

	"github.com/edgesim/edgesim/certs"
)

// Verdict is the Edge's decision about one request or one outbound attempt, with the rules that led to
// it. The SIP layer only carries it out. While Pending is set the decision waits for that fact.
type Verdict struct {
	Allow bool `json:"allow"`
	// Domain is the federation domain decided about: the caller's inbound, the callee's outbound.
	Domain string `json:"domain,omitempty"`
	Status int    `json:"status"` // SIP status: 200 allowed; 504, 404, 403 … refused
	Reason string `json:"reason"`
	// Row is the catalogue row that produced a refusal; "" when allowed or when the far end decided.
	Row        RowID       `json:"row,omitempty"`
	Diagnostic *Diagnostic `json:"ms_diagnostics,omitempty"`
	Record     *LogRecord  `json:"edge_log,omitempty"` // nil when allowed
	// FarEndDiagnostic is the far end's own ms-diagnostics, passed on to the Skype user unchanged.
	FarEndDiagnostic string `json:"far_end_ms_diagnostics,omitempty"`
	// MatchedFQDN is the name the peer was held to: the in-domain SRV target or the partner's proxy FQDN.
	MatchedFQDN string `json:"matched_fqdn,omitempty"`
	// Target is the in-domain target last tried outbound; PeerServer the name its certificate presents.
	Target     *SRVTarget `json:"target,omitempty"`
	PeerServer string     `json:"peer_server,omitempty"`
	Trace      []Rule     `json:"trace"`
	Pending    *Need      `json:"pending,omitempty"`
}

// Decided reports a verdict that needs no more facts.
func (v Verdict) Decided() bool { return v.Pending == nil }

// Code is the diagnostic code the Edge reports, 0 when none.
func (v Verdict) Code() int {
	if v.Diagnostic == nil {
		return 0
	}
	return v.Diagnostic.Code
}

func allow(fqdn string) Verdict {
	return Verdict{Allow: true, Status: 200, Reason: "OK", MatchedFQDN: fqdn}
}

func badRequest(why string) Verdict { return Verdict{Status: 400, Reason: "Bad Request - " + why} }

func noSRV(domain, cause string) Verdict {
	return mustRow("1008").refuse(values{m: map[string]string{"domain": domain, "info": cause}})
}

func noSRVMatch(domain string, targets []SRVTarget) Verdict {
	fq := make([]string, len(targets))
	for i, t := range targets {
		fq[i] = t.HostPort()
	}
	return mustRow("1009").refuse(values{m: map[string]string{"domain": domain}, fqdns: fq})
}

func certTrust(fault certs.Fault, tlsTarget, peerServer, usage string) Verdict {
	r, ok := CertRow(fault)
	if !ok {
		r = mustRow("1010-untrusted-root")
	}
	return r.refuse(values{m: map[string]string{"ErrorType": r.ErrorType, "tls-target": tlsTarget, "PeerServer": peerServer,
		"HRESULT": r.HRESULT, "expected-fqdn": tlsTarget, "certName": peerServer, "required-usage": usage, "info": r.ErrorType}})
}

func noARecord(fqdn, cause string) Verdict {
	return mustRow("1014").refuse(values{m: map[string]string{"fqdn": fqdn, "info": cause}})
}

func connectFailed(fqdn string, w Winsock, info string) Verdict {
	return mustRow("1046").refuse(values{m: map[string]string{"fqdn": fqdn, "WinsockFailureCode": w.Code(),
		"WinsockFailureDescription": w.Description(), "info": info}})
}

func tlsFailed(fqdn string, w Winsock, info string) Verdict {
	return mustRow("1047").refuse(values{m: map[string]string{"fqdn": fqdn, "WinsockFailureCode": w.Code(),
		"WinsockFailureDescription": w.Description(), "info": info}})
}

// farEndNoDiagnostics is 1034 on a failure the far end gave without ms-diagnostics: its own status
// goes on to the Skype user.
func farEndNoDiagnostics(domain, peerServer string, status int, reason, info string) Verdict {
	v := mustRow("1034").refuse(values{m: map[string]string{"Domain": domain, "PeerServer": peerServer,
		"response": strconv.Itoa(status) + " " + reason, "info": info}})
	v.Status, v.Reason = status, reason
	return v
}

func userNotFound(uri string) Verdict {
	return mustRow("1003").refuse(values{m: map[string]string{"uri": uri}})
}

func federationDenied(domain string, blocked bool) Verdict {
	id := RowID("1002-not-allowed")
	if blocked {
		id = "1002-blocked"
	}
	return mustRow(id).refuse(values{m: map[string]string{"domain": domain}})
}
