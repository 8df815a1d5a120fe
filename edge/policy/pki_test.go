package policy

import "github.com/edgesim/edgesim/certs/certstest"

// testPKI is the lab PKI the tests issue peers' certificates from.
type testPKI = certstest.PKI

var newTestPKI = certstest.New
