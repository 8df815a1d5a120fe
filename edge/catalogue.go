package edge

import (
	"strconv"

	"github.com/edgesim/edgesim/certs"
)

// Diagnostic codes of the catalogue (spec §4).
const (
	CodeUserNotFound       = 1003
	CodeFederationDenied   = 1002
	CodeNoSRV              = 1008
	CodeNoSRVMatch         = 1009
	CodeCertTrust          = 1010
	CodeNoARecord          = 1014
	CodePeerNoDiagnostics  = 1034
	CodeConnectFailed      = 1046
	CodeTLSFailed          = 1047
	reasonCertTrust        = "Certificate trust with another server could not be established"
	statusServerTimeout    = 504
	reasonServerTimeout    = "Server time-out"
	statusNotFound         = 404
	statusForbidden        = 403
	reasonNotFound         = "Not Found"
	reasonForbidden        = "Forbidden"
	diagUserNotFoundReason = "User does not exist"
)

// Result codes of the Edge log. The first two are the seed's; the others are ours, picked in the same
// SIPPROXY_E_* family because Microsoft's are unknown (marked [choice] in the spec).
var (
	ResultNoSRVMatch     = ResultCode{0xc3e93d6f, "SIPPROXY_E_EPROUTING_MSG_ALLOWED_DOMAIN_NO_SRV_MATCH"}
	ResultCertMismatch   = ResultCode{0xc3e93d67, "SIPPROXY_E_ROUTING_MSG_CERT_MISMATCH"}
	ResultCertUntrusted  = ResultCode{0xc3e93d68, "SIPPROXY_E_ROUTING_MSG_CERT_UNTRUSTED_ROOT"}  // [choice]
	ResultCertExpired    = ResultCode{0xc3e93d69, "SIPPROXY_E_ROUTING_MSG_CERT_EXPIRED"}         // [choice]
	ResultNoCert         = ResultCode{0xc3e93d6a, "SIPPROXY_E_ROUTING_MSG_NO_PEER_CERT"}         // [choice]
	ResultNoSRV          = ResultCode{0xc3e93d6e, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_NO_SRV"}      // [choice]
	ResultNoARecord      = ResultCode{0xc3e93d70, "SIPPROXY_E_EPROUTING_MSG_SRV_TARGET_NO_A"}    // [choice]
	ResultConnectFailed  = ResultCode{0xc3e93d71, "SIPPROXY_E_CONNECT_FAILED"}                   // [choice]
	ResultTLSFailed      = ResultCode{0xc3e93d72, "SIPPROXY_E_TLS_NEGOTIATION_FAILED"}           // [choice]
	ResultPeerNoDiag     = ResultCode{0xc3e93d73, "SIPPROXY_E_PEER_NO_DIAGNOSTICS"}              // [choice]
	ResultDomainBlocked  = ResultCode{0xc3e93d74, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_BLOCKED"}     // [choice]
	ResultDomainNotAllow = ResultCode{0xc3e93d75, "SIPPROXY_E_EPROUTING_MSG_DOMAIN_NOT_ALLOWED"} // [choice]
	ResultUnknownUser    = ResultCode{0xc3e93c2f, "SIPPROXY_E_UNKNOWN_USER_OR_EPID"}             // seen on Front Ends
)

func refuse(status int, reason string, d Diagnostic, rec LogRecord) Verdict {
	return Verdict{Status: status, Reason: reason, Diagnostic: &d, Record: &rec}
}

func timeout(d Diagnostic, rec LogRecord) Verdict {
	return refuse(statusServerTimeout, reasonServerTimeout, d, rec)
}

// NoSRV is 1008: the domain has no usable _sipfederationtls._tcp record.
func NoSRV(domain, cause string) Verdict {
	return timeout(
		Diagnostic{Code: CodeNoSRV, Reason: "Unable to resolve DNS SRV record", Attrs: []Attr{{"domain", domain}}},
		LogRecord{Level: LevelWarning, Text: "The domain of the message could not be resolved by DNS SRV",
			Result: ResultNoSRV, Data: []Attr{{"domain", domain}, {"info", cause}}})
}

// NoSRVMatch is 1009: SRV answered, but no target lies directly in the domain.
func NoSRVMatch(domain string, targets []SRVTarget) Verdict {
	attrs := []Attr{{"domain", domain}}
	for i, t := range targets {
		attrs = append(attrs, Attr{"fqdn" + strconv.Itoa(i+1), t.HostPort()})
	}
	return timeout(
		Diagnostic{Code: CodeNoSRVMatch, Reason: "No match for domain in DNS SRV results", Attrs: attrs},
		LogRecord{Level: LevelWarning, Text: "The domain of the message resolved by DNS SRV but none of the FQDNs is in the same domain",
			Result: ResultNoSRVMatch, Data: attrs})
}

// CertTrust is 1010: the peer's certificate fails the name, trust or validity rule.
func CertTrust(fault certs.Fault, tlsTarget, peerServer string) Verdict {
	d := Diagnostic{Code: CodeCertTrust, Reason: reasonCertTrust, Attrs: []Attr{
		{"ErrorType", fault.ErrorType()}, {"tls-target", tlsTarget}, {"PeerServer", peerServer}, {"HRESULT", fault.HRESULT()}}}
	rec := LogRecord{Level: LevelError, Data: []Attr{
		{"expected-fqdn", tlsTarget}, {"certName", peerServer}, {"info", fault.ErrorType()}}}
	switch fault {
	case certs.FaultWrongPrincipal:
		rec.Text, rec.Result = "Message cannot be routed because the peer's certificate does not contain a matching FQDN", ResultCertMismatch
	case certs.FaultExpired:
		rec.Text, rec.Result = "Message cannot be routed because the peer's certificate has expired", ResultCertExpired
	case certs.FaultNoCertificate:
		rec.Text, rec.Result = "Message cannot be routed because the peer did not present a certificate", ResultNoCert
	default:
		rec.Text, rec.Result = "Message cannot be routed because the peer's certificate chain is not trusted", ResultCertUntrusted
	}
	return timeout(d, rec)
}

// NoARecord is 1014: the in-domain SRV target does not resolve.
func NoARecord(fqdn, cause string) Verdict {
	return timeout(
		Diagnostic{Code: CodeNoARecord, Reason: "Unable to resolve DNS A record", Attrs: []Attr{{"fqdn", fqdn}}},
		LogRecord{Level: LevelWarning, Text: "The FQDN of the DNS SRV result could not be resolved to an address",
			Result: ResultNoARecord, Data: []Attr{{"fqdn", fqdn}, {"info", cause}}})
}

// ConnectFailed is 1046: TCP to the peer failed.
func ConnectFailed(fqdn string, w Winsock) Verdict {
	return timeout(
		Diagnostic{Code: CodeConnectFailed, Reason: "Failed to connect to a federated peer server",
			Attrs: []Attr{{"fqdn", fqdn}, {"WinsockFailureCode", w.Code()}}},
		LogRecord{Level: LevelError, Text: "Failed to connect to the federated peer server",
			Result: ResultConnectFailed, Data: []Attr{{"fqdn", fqdn}, {"WinsockFailureCode", w.Code()}, {"WinsockFailureDescription", w.Description()}}})
}

// TLSFailed is 1047: TCP connected but the TLS negotiation failed or was reset.
func TLSFailed(fqdn string, w Winsock) Verdict {
	return timeout(
		Diagnostic{Code: CodeTLSFailed, Reason: "Failed to complete TLS negotiation with a federated peer server",
			Attrs: []Attr{{"WinsockFailureCode", w.Code()}, {"WinsockFailureDescription", w.Description()}}},
		LogRecord{Level: LevelError, Text: "Failed to complete TLS negotiation with the federated peer server",
			Result: ResultTLSFailed, Data: []Attr{{"fqdn", fqdn}, {"WinsockFailureCode", w.Code()}, {"WinsockFailureDescription", w.Description()}}})
}

// PeerNoDiagnostics is 1034, added to a failure answer from a peer that gave no ms-diagnostics.
func PeerNoDiagnostics(domain, peerServer string, status int, reason string) Verdict {
	return refuse(status, reason,
		Diagnostic{Code: CodePeerNoDiagnostics, Reason: "Previous hop federated peer did not report diagnostic information",
			Attrs: []Attr{{"Domain", domain}, {"PeerServer", peerServer}}},
		LogRecord{Level: LevelWarning, Text: "The federated peer returned a failure without diagnostic information",
			Result: ResultPeerNoDiag, Data: []Attr{{"Domain", domain}, {"PeerServer", peerServer}, {"response", strconv.Itoa(status) + " " + reason}}})
}

// UserNotFound is 1003: the request is for a domain or user this Edge does not serve.
func UserNotFound(uri string) Verdict {
	return refuse(statusNotFound, reasonNotFound,
		Diagnostic{Code: CodeUserNotFound, Reason: diagUserNotFoundReason},
		LogRecord{Level: LevelWarning, Text: "The user or domain of the request is not served by this Edge",
			Result: ResultUnknownUser, Data: []Attr{{"uri", uri}}})
}

// FederationDenied is 1002: the federation lists refuse the domain.
func FederationDenied(domain string, blocked bool) Verdict {
	rec := LogRecord{Level: LevelWarning, Data: []Attr{{"domain", domain}}}
	if blocked {
		rec.Text, rec.Result = "The domain of the message is on the blocked domains list", ResultDomainBlocked
	} else {
		rec.Text, rec.Result = "The domain of the message is not on the allowed domains list and partner discovery is off", ResultDomainNotAllow
	}
	return refuse(statusForbidden, reasonForbidden,
		Diagnostic{Code: CodeFederationDenied, Reason: "From URI not authorized to communicate with federated partners",
			Attrs: []Attr{{"domain", domain}}}, rec)
}

// Winsock is a Windows socket error as Lync writes it: 10061(WSAECONNREFUSED).
type Winsock int

// Winsock failures the outbound Edge reports.
const (
	WSAECONNRESET   Winsock = 10054
	WSAETIMEDOUT    Winsock = 10060
	WSAECONNREFUSED Winsock = 10061
)

// Code is the WinsockFailureCode attribute value.
func (w Winsock) Code() string {
	switch w {
	case WSAECONNRESET:
		return "10054(WSAECONNRESET)"
	case WSAETIMEDOUT:
		return "10060(WSAETIMEDOUT)"
	case WSAECONNREFUSED:
		return "10061(WSAECONNREFUSED)"
	}
	return strconv.Itoa(int(w))
}

// Description is Windows' own text for the error.
func (w Winsock) Description() string {
	switch w {
	case WSAECONNRESET:
		return "The peer forced closure of the connection"
	case WSAETIMEDOUT:
		return "The peer did not respond to the connection attempt"
	case WSAECONNREFUSED:
		return "The peer actively refused the connection attempt"
	}
	return "Unknown socket error"
}
