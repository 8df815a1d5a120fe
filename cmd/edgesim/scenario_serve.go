package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/scenarios"
	"github.com/edgesim/edgesim/sipstack"
)

// prepareScenarioRun loads the scenario --scenario names and has it prepare the lab directory, so a
// real Expressway-E can be set up the way the scenario says.
func prepareScenarioRun(arg string, cfg config.Config) (*scenarios.Served, error) {
	sc, err := loadScenario(arg)
	if err != nil {
		return nil, err
	}
	sv, err := scenarios.PrepareServe(sc, cfg)
	if err != nil {
		return nil, usageErr(err)
	}
	return sv, nil
}

// printScenarioServe tells the trainee what to create on the Expressway side to reproduce the
// scenario; asked is what was given to --scenario.
func (a *app) printScenarioServe(asked string, sv *scenarios.Served, lab *edge.Lab, svc *edge.Service) {
	w, sc := a.stdout, sv.Scenario
	fmt.Fprintf(w, "\nScenario %s: %s\n  (edgesim scenario show %s tells the whole story)\n", sc.Name, sc.Title, sc.Name)
	if asked+"-"+string(sc.Direction) == sc.Name {
		fmt.Fprintf(w, "  %s names a fault in both directions; edgesim run plays the %s one\n", asked, sc.Direction)
	}
	a.printServeDNS(sv, lab.Config, svc)
	a.printServeFiles(sv, lab)
	a.printServeCall(sv, lab)
}

// printServeDNS is step 1: the records the Expressway-E's DNS needs.
func (a *app) printServeDNS(sv *scenarios.Served, cfg config.Config, svc *edge.Service) {
	w, sc := a.stdout, sv.Scenario
	host, port := "127.0.0.1", "5061"
	if ap, err := netip.ParseAddrPort(svc.SIPAddr().String()); err == nil {
		host, port = ap.Addr().String(), strconv.Itoa(int(ap.Port()))
		if ap.Addr().IsUnspecified() {
			host = "<this host's address>"
		}
	}
	fmt.Fprintln(w, "\n1. DNS records to create (in the DNS the Expressway-E uses; the lab DNS above already serves them)")
	fmt.Fprintf(w, "   so the Expressway-E finds this Edge:\n")
	fmt.Fprintf(w, "     _sipfederationtls._tcp.%s.  300 IN SRV 0 0 %s %s.\n", cfg.Edge.Domains[0], port, cfg.Edge.FQDN)
	fmt.Fprintf(w, "     %s.  300 IN A %s\n", cfg.Edge.FQDN, host)
	fmt.Fprintf(w, "   the scenario's own records (what the Edge finds for the UC side):\n")
	for _, rr := range sv.Records {
		fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(rr, "\t", "  "))
	}
	if sv.SeedRecords {
		fmt.Fprintln(w, "     none: the seed's lab records")
	}
	if sc.Direction == scenarios.Outbound {
		fmt.Fprintln(w, "   Their A records say 127.0.0.2 (the lab's Expressway side): change them to your Expressway-E's address in the")
		fmt.Fprintln(w, "   configuration file below before placing the call.")
	}
}

// printServeFiles is step 2: the certificates to load on the Expressway-E.
func (a *app) printServeFiles(sv *scenarios.Served, lab *edge.Lab) {
	w, sc := a.stdout, sv.Scenario
	fmt.Fprintln(w, "\n2. Files to load on the Expressway-E")
	if sc.Peer.Behaviour == scenarios.BehaviourRejectEdgeCert {
		fmt.Fprintf(w, "   do NOT add %s to its trusted CA list: the scenario is the Expressway-E not trusting the Edge\n", lab.CA.CertFile)
	} else {
		fmt.Fprintf(w, "   trusted CA list:     %s  (signed the Edge's certificate, %s)\n", lab.CA.CertFile, lab.Config.Edge.FQDN)
	}
	if sv.PeerCert != "" {
		fmt.Fprintf(w, "   server certificate:  %s\n   private key:         %s\n     %s\n", sv.PeerCert, sv.PeerKey, certLine(*sc.Peer.Cert))
		fmt.Fprintf(w, "   it was issued by:    %s\n", sv.PeerCA)
	} else {
		fmt.Fprintln(w, "   server certificate:  keep the Expressway-E's own; the scenario does not depend on it")
	}
	if hint := behaviourHint(sc); hint != "" {
		fmt.Fprintf(w, "   and on the UC side:  %s\n", hint)
	}
}

// printServeCall is step 3: the call to place and what it must show.
func (a *app) printServeCall(sv *scenarios.Served, lab *edge.Lab) {
	w, sc := a.stdout, sv.Scenario
	fmt.Fprintln(w, "\n3. Place the call")
	if sc.Direction == scenarios.Inbound {
		fmt.Fprintf(w, "   from a UC endpoint such as %s, call %s through the Expressway-E.\n", sc.Call.From, sc.Call.To)
	} else {
		fmt.Fprintf(w, "   as a Skype user, in another shell:\n     edgesim call --config %s %s --from %s\n", sv.ConfigFile, sc.Call.To, sc.Call.From)
	}
	e := sc.Expect
	fmt.Fprintf(w, "   expected: %s", statusPhrase(e.Status))
	if e.Diagnostic != 0 {
		fmt.Fprintf(w, ", ms-diagnostics %d", e.Diagnostic)
		if sc.Direction == scenarios.Inbound && lab.Config.Edge.Diagnostics == config.DiagnosticsFaithful {
			fmt.Fprint(w, " (not sent: faithful mode)")
		}
	}
	if e.ResultCode != "" {
		fmt.Fprintf(w, ", Edge log Result-Code %s in %s", e.ResultCode, lab.EdgeLogFile)
	}
	fmt.Fprintf(w, "\n\n   The configuration served is in %s (edgesim run --config serves it again).\n", sv.ConfigFile)
}

func statusPhrase(status int) string {
	if status == 0 {
		return "no SIP answer (the TLS handshake is refused)"
	}
	return strings.TrimSpace(strconv.Itoa(status) + " " + sipstack.ReasonPhrase(status))
}

func behaviourHint(sc *scenarios.Scenario) string {
	switch sc.Peer.Behaviour {
	case scenarios.BehaviourNoClientCert:
		return "make the Expressway-E's DNS zone towards the Edge present no client certificate"
	case scenarios.BehaviourFail:
		return fmt.Sprintf("make the called endpoint refuse the call with %d %s (a busy endpoint will do)", sc.Peer.FailStatus, sc.Peer.FailReason)
	case scenarios.BehaviourSilent:
		return "make the call go unanswered beyond the Expressway-E (a search that never completes)"
	case scenarios.BehaviourRefuseConnection:
		return "stop SIP TLS on the SRV record's port, or make a firewall reject it"
	case scenarios.BehaviourTLSReset:
		return "put something between the Edge and the Expressway-E that resets TLS connections"
	}
	return ""
}
