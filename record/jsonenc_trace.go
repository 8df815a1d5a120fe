package record

import (
	"strconv"

	"github.com/edgesim/edgesim/edge/policy"
)

// The verdict's trace, as encoding/json writes policy.Rule and what it holds. A field added to
// those types without a line here fails TestAppendJSONCoversEveryField.

func (e *jsonEnc) trace(trace []policy.Rule) {
	if len(trace) == 0 {
		return
	}
	e.key("trace")
	e.b = append(e.b, '[')
	for i := range trace {
		e.comma(i)
		e.rule(&trace[i])
	}
	e.b = append(e.b, ']')
}

func (e *jsonEnc) rule(r *policy.Rule) {
	e.b = append(e.b, '{')
	e.str("rule", string(r.Name))
	e.str("section", r.Section)
	e.str("outcome", string(r.Outcome))
	e.strOmit("detail", r.Detail)
	e.key("inputs")
	e.inputs(&r.Inputs)
	e.strOmit("row", string(r.Row))
	if len(r.Checks) > 0 {
		e.key("checks")
		e.b = append(e.b, '[')
		for i, c := range r.Checks {
			e.comma(i)
			e.b = append(e.b, '{')
			e.str("check", c.Name)
			e.str("outcome", string(c.Outcome))
			e.str("detail", c.Detail)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonEnc) inputs(in *policy.Inputs) {
	e.b = append(e.b, '{')
	e.strOmit("domain", in.Domain)
	e.strOmit("domain_source", in.DomainSource)
	e.strOmit("proxy_fqdn", in.ProxyFQDN)
	e.strOmit("srv_name", in.SRVName)
	if len(in.SRV) > 0 {
		e.key("srv")
		e.b = append(e.b, '[')
		for i, t := range in.SRV {
			e.comma(i)
			e.srvTarget(t)
		}
		e.b = append(e.b, ']')
	}
	e.strOmit("error", in.Error)
	e.strOmit("target", in.Target)
	e.stringsOmit("addresses", in.Addresses)
	e.strOmit("address", in.Address)
	e.stringsOmit("expected_fqdn", in.ExpectedFQDN)
	e.strOmit("usage", in.Usage)
	e.stringsOmit("trust_anchors", in.TrustAnchors)
	if in.Certificate != nil {
		e.key("certificate")
		e.certFacts(in.Certificate)
	}
	if in.CheckedAt != nil {
		e.time("checked_at", *in.CheckedAt)
	}
	e.strOmit("request_uri", in.RequestURI)
	e.strOmit("response", in.Response)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) srvTarget(t policy.SRVTarget) {
	e.b = append(e.b, '{')
	e.str("target", t.Target)
	e.key("port")
	e.b = strconv.AppendUint(e.b, uint64(t.Port), 10)
	e.key("priority")
	e.b = strconv.AppendUint(e.b, uint64(t.Priority), 10)
	e.key("weight")
	e.b = strconv.AppendUint(e.b, uint64(t.Weight), 10)
	e.b = append(e.b, '}')
}

func (e *jsonEnc) certFacts(c *policy.CertFacts) {
	e.b = append(e.b, '{')
	e.str("subject_cn", c.SubjectCN)
	e.strings("san_dns", c.SANDNS)
	e.str("issuer_cn", c.IssuerCN)
	e.time("not_before", c.NotBefore)
	e.time("not_after", c.NotAfter)
	e.strings("ekus", c.EKUs)
	e.str("signature_algorithm", c.Signature)
	e.strings("chain", c.Chain)
	e.strOmit("anchor", c.Anchor)
	e.b = append(e.b, '}')
}
