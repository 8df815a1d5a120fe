package edge

// Verdict is the Edge's decision about one request or one outbound attempt; the SIP layer only carries it out.
type Verdict struct {
	Allow      bool
	Status     int    // SIP status to answer with when refused: 504, 404, 403 …
	Reason     string // its reason phrase
	Diagnostic *Diagnostic
	Record     *LogRecord // nil when allowed
	// MatchedFQDN is the name the peer was held to: the in-domain SRV target or the partner's proxy FQDN.
	MatchedFQDN string
}

func allow(fqdn string) Verdict {
	return Verdict{Allow: true, Status: 200, Reason: "OK", MatchedFQDN: fqdn}
}

func badRequest(why string) Verdict { return Verdict{Status: 400, Reason: "Bad Request - " + why} }
