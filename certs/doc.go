// Package certs is edgesim's lab PKI and the Edge's certificate rule.
//
// The PKI side (CA, leaf issuance, PEM I/O) exists to manufacture the
// certificates a trainee meets in the field: right names, missing names,
// CN-only, wildcards the Edge refuses, expired, and chains from CAs the Edge
// does not trust. The rule side (rule.go, check.go) is the single
// implementation of "does this peer certificate pass the Edge", shared by the
// inbound policy, the outbound checks and `edgesim certs inspect`, so the
// three can never disagree.
package certs
