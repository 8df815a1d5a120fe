package labdns

// DefaultZones returns the seed's lab, correctly configured: every domain
// publishes its federation SRV record and the record's target resolves, all on
// loopback. The Expressway-E side answers 127.0.0.2, apart from the Edge on
// 127.0.0.1:5061, so a call from the Edge never reaches the Edge itself; a lab
// points those records at its real Expressway-E instead. Scenarios break it on purpose; this is the baseline they differ
// from. Each call returns a fresh map the caller may change.
func DefaultZones() map[string]string {
	return map[string]string{
		"skype.lab": `; skype.lab is the Skype for Business side: partners find its Edge through
; the SRV record, whose target sip.skype.lab is the Edge's own FQDN and so
; the name its certificate must carry. SfBFE is the internal Front End.
_sipfederationtls._tcp  IN SRV 0 0 5061 sip.skype.lab.
sip                     IN A   127.0.0.1
SfBFE                   IN A   127.0.0.1
`,
		"steven.lab": `; steven.lab is the parent domain of the Cisco side; its SRV record points
; at the Expressway-E, which must present vcse.steven.lab in its certificate.
_sipfederationtls._tcp  IN SRV 0 0 5061 vcse.steven.lab.
vcse                    IN A   127.0.0.2
`,
		"acano.steven.lab": `; acano.steven.lab is the CMS (Acano) SIP domain behind the Expressway. As a
; zone of its own it is answered from here, not from steven.lab, so its SRV
; record must exist in this zone or federation to it fails.
_sipfederationtls._tcp  IN SRV 0 0 5061 vcse.acano.steven.lab.
vcse                    IN A   127.0.0.2
`,
		"cms.steven.lab": `; cms.steven.lab is a second CMS SIP domain, configured like acano.steven.lab,
; so the lab shows that every federated SIP domain needs its own SRV record.
_sipfederationtls._tcp  IN SRV 0 0 5061 vcse.cms.steven.lab.
vcse                    IN A   127.0.0.2
`,
	}
}

// ZonesOrDefault is the rule for dns.zones: the configured zones, or the seed's lab
// (DefaultZones) when none are configured. A non-empty zones is returned as it is.
func ZonesOrDefault(zones map[string]string) map[string]string {
	if len(zones) == 0 {
		return DefaultZones()
	}
	return zones
}
