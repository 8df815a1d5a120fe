package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/scenarios/standin"
)

func TestCheckPassExits0(t *testing.T) {
	dir, peer := outboundDir(t, "vcse.cms.steven.lab", standin.Answer)
	code, out, errb := cli(t, dir, "check", "cms.steven.lab")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errb)
	}
	if strings.Count(out, "  PASS  ") != 13 || !strings.Contains(out, "PASS: the Edge would send the INVITE to vcse.cms.steven.lab:") {
		t.Errorf("output:\n%s", out)
	}
	if n := len(peer.Requests()); n != 0 {
		t.Errorf("a check sent %d SIP requests", n)
	}
}

func TestCheckFailExits1(t *testing.T) {
	dir, _ := outboundDir(t, "vcse.steven.lab", standin.Answer)
	code, out, _ := cli(t, dir, "check", "sip:2000@cms.steven.lab")
	if code != exitFailed {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "  FAIL  the certificate names the SRV target") || !strings.Contains(out, "        "+seedLine1010+"\n") {
		t.Errorf("output:\n%s", out)
	}
	code, out, _ = cli(t, dir, "check", "cms.steven.lab", "--json")
	var rep struct {
		Pass  bool   `json:"pass"`
		Diag  string `json:"ms_diagnostics"`
		Rules []struct {
			Result string `json:"result"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitFailed || rep.Pass || rep.Diag != seedLine1010 || len(rep.Rules) != 13 {
		t.Errorf("exit %d err %v report %+v\n%s", code, err, rep, out)
	}
}
