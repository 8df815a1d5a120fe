// Package standin holds the Expressway-E stand-ins: fake far-end peers that scenarios and tests put
// on the other side of the Edge, so a federation problem can be reproduced without a real
// Expressway. Server is called by the Edge (outbound) and can answer, ring, reject, stay silent,
// send garbage or break TLS; Client calls into the Edge (inbound); ClosedPort and CertRejecter fail
// the Edge's call before any SIP is spoken.
//
// Stand-ins speak the Expressway's side only. The Edge's own SIP stack is package sipstack, which
// standin builds on; standin must not import edge or scenarios, as both use it (edge in its tests).
package standin
