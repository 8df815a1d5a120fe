// Package policy is the Edge's federation decision as pure functions: the one catalogue of what the Edge
// answers and logs, the inbound and outbound rules, and the Verdict that carries its rule trace.
//
// It reads no socket, resolver or SIP message. The I/O code gathers facts (a request's domains, the SRV
// answers, the addresses, the dial and handshake results, the chain presented, the far end's answer) and
// hands them in; a verdict that still needs a fact names it in Pending. Section references ("§2") are
// to docs/edge-behaviour.md, the behaviour contract.
package policy
