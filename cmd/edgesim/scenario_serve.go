package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/miekg/dns"
	"go.yaml.in/yaml/v3"

	"github.com/edgesim/edgesim/config"
	"github.com/edgesim/edgesim/edge"
	"github.com/edgesim/edgesim/labdns"
	"github.com/edgesim/edgesim/scenarios"
)

// scenarioServe is what `edgesim run --scenario` prepared in the lab directory before the Edge starts.
type scenarioServe struct {
	asked             string // the name or file given to --scenario
	sc                *scenarios.Scenario
	peerCert, peerKey string // the Expressway-E's certificate as the scenario wants it
	peerCA            string // the CA file that issued it
	configFile        string // the configuration served, to reuse with --config
}

// prepareScenarioRun layers the scenario over the loaded configuration and issues its files into the
// lab directory, so a real Expressway-E can be set up the way the scenario says.
func (a *app) prepareScenarioRun(arg string, cfg config.Config) (*scenarioServe, config.Config, error) {
	sc, err := loadScenario(arg)
	if err != nil {
		return nil, cfg, err
	}
	dir, err := filepath.Abs(cfg.Lab.Dir)
	if err != nil {
		return nil, cfg, usageErr(fmt.Errorf("lab.dir: %w", err))
	}
	cfg.Lab.Dir = dir
	cas, err := scenarios.EnsureLabCAs(dir)
	if err != nil {
		return nil, cfg, usageErr(err)
	}
	sv := &scenarioServe{asked: arg, sc: sc}
	out := filepath.Join(dir, "scenarios", sc.Name)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, cfg, usageErr(err)
	}
	leaf, err := sc.IssuePeer(cas)
	if err != nil {
		return nil, cfg, usageErr(err)
	}
	if leaf != nil {
		if sv.peerCert, sv.peerKey, err = leaf.WriteFiles(filepath.Join(out, "expressway")); err != nil {
			return nil, cfg, usageErr(err)
		}
		sv.peerCA = cas[sc.Peer.Cert.IssuerName()].CertFile
	}
	if cfg, err = sc.Config(cfg); err != nil {
		return nil, cfg, usageErr(err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, cfg, usageErr(fmt.Errorf("scenario %s on this configuration:\n%w", sc.Name, err))
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, cfg, err
	}
	sv.configFile = filepath.Join(out, "edgesim.yaml")
	head := "# The configuration `edgesim run --scenario " + sc.Name + "` served; reuse it with --config.\n"
	if err := os.WriteFile(sv.configFile, append([]byte(head), data...), 0o600); err != nil {
		return nil, cfg, usageErr(err)
	}
	return sv, cfg, nil
}

// printScenarioServe tells the trainee what to create on the Expressway side to reproduce the scenario.
func (a *app) printScenarioServe(sv *scenarioServe, lab *edge.Lab, svc *edge.Service) {
	w, sc, cfg := a.stdout, sv.sc, lab.Config
	fmt.Fprintf(w, "\nScenario %s: %s\n  (edgesim scenario show %s tells the whole story)\n", sc.Name, sc.Title, sc.Name)
	if sv.asked+"-"+string(sc.Direction) == sc.Name {
		fmt.Fprintf(w, "  %s names a fault in both directions; edgesim run plays the %s one\n", sv.asked, sc.Direction)
	}
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
	if zs, err := labdns.ParseZones(sc.Zones); err == nil && len(sc.Zones) > 0 {
		for _, rr := range zs.Records() {
			if t := rr.Header().Rrtype; t != dns.TypeSOA && t != dns.TypeNS {
				fmt.Fprintf(w, "     %s\n", strings.ReplaceAll(rr.String(), "\t", "  "))
			}
		}
	} else {
		fmt.Fprintln(w, "     none: the seed's lab records")
	}
	if sc.Direction == scenarios.Outbound {
		fmt.Fprintln(w, "   Their A records say 127.0.0.2 (the lab's Expressway side): change them to your Expressway-E's address in the")
		fmt.Fprintln(w, "   configuration file below before placing the call.")
	}
	fmt.Fprintln(w, "\n2. Files to load on the Expressway-E")
	if sc.Peer.Behaviour == scenarios.BehaviourRejectEdgeCert {
		fmt.Fprintf(w, "   do NOT add %s to its trusted CA list: the scenario is the Expressway-E not trusting the Edge\n", lab.CA.CertFile)
	} else {
		fmt.Fprintf(w, "   trusted CA list:     %s  (signed the Edge's certificate, %s)\n", lab.CA.CertFile, cfg.Edge.FQDN)
	}
	if sv.peerCert != "" {
		fmt.Fprintf(w, "   server certificate:  %s\n   private key:         %s\n     %s\n", sv.peerCert, sv.peerKey, certLine(*sc.Peer.Cert))
		fmt.Fprintf(w, "   it was issued by:    %s\n", sv.peerCA)
	} else {
		fmt.Fprintln(w, "   server certificate:  keep the Expressway-E's own; the scenario does not depend on it")
	}
	if hint := behaviourHint(sc); hint != "" {
		fmt.Fprintf(w, "   and on the UC side:  %s\n", hint)
	}
	fmt.Fprintln(w, "\n3. Place the call")
	if sc.Direction == scenarios.Inbound {
		fmt.Fprintf(w, "   from a UC endpoint such as %s, call %s through the Expressway-E.\n", sc.Call.From, sc.Call.To)
	} else {
		fmt.Fprintf(w, "   as a Skype user, in another shell:\n     edgesim call --config %s %s --from %s\n", sv.configFile, sc.Call.To, sc.Call.From)
	}
	e := sc.Expect
	fmt.Fprintf(w, "   expected: %s", statusPhrase(e.Status))
	if e.Diagnostic != 0 {
		fmt.Fprintf(w, ", ms-diagnostics %d", e.Diagnostic)
		if sc.Direction == scenarios.Inbound && cfg.Edge.Diagnostics == config.DiagnosticsFaithful {
			fmt.Fprint(w, " (not sent: faithful mode)")
		}
	}
	if e.ResultCode != "" {
		fmt.Fprintf(w, ", Edge log Result-Code %s in %s", e.ResultCode, lab.EdgeLogFile)
	}
	fmt.Fprintf(w, "\n\n   The configuration served is in %s (edgesim run --config serves it again).\n", sv.configFile)
}

func statusPhrase(status int) string {
	if status == 0 {
		return "no SIP answer (the TLS handshake is refused)"
	}
	return strings.TrimSpace(strconv.Itoa(status) + " " + scenarios.StatusReason(status))
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
