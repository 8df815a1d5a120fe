// Package labdns serves the lab's DNS zones and resolves names for the Edge.
//
// A Skype for Business Edge finds a federation partner through the SRV record
// _sipfederationtls._tcp.<domain> and then the A/AAAA records of its target.
// The lab keeps those records as zone text (RFC 1035 master-file syntax) in a
// ZoneSet, which answers authoritatively both over the wire (Server, so dig and
// the peer simulators can ask) and in-process (NewEmbeddedResolver, so the
// Edge needs no socket). Every failure the Edge must tell apart — NXDOMAIN,
// NODATA, SERVFAIL/REFUSED, timeout — comes back as a *LookupError with a Kind.
package labdns
