// Package schannel is the TLS of a Windows Edge as far as Go can speak it: which versions a Lync 2013
// or Skype for Business 2015 Edge negotiates, and its cipher suites in Windows Server 2012 R2's order
// (edge.tls.profile). Pure data, so the configuration can check a profile by name.
package schannel

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// Profile is one TLS personality of the Edge, applied to both directions.
type Profile struct {
	Name     string
	Min, Max uint16
	// Suites are offered and accepted in this order for TLS 1.0–1.2; nil leaves Go's defaults (modern).
	// TLS 1.3 suites are not configurable in Go.
	Suites []uint16
	About  string
}

// windows2012R2 is Windows Server 2012 R2's default cipher suite order (Microsoft's "TLS Cipher Suites
// in Windows 8.1" list) with what Go does not implement left out: the ECDHE-RSA CBC suites with
// SHA-384, every DHE suite and RC4. Go's server picks by its own preference among these.
var windows2012R2 = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
}

// Profiles are the choices of edge.tls.profile; the first is the default.
var Profiles = []Profile{
	{Name: "sfb2015", Min: tls.VersionTLS12, Max: tls.VersionTLS12, Suites: windows2012R2,
		About: "Skype for Business Server 2015 hardened as Microsoft's guidance leaves it: TLS 1.2 only"},
	{Name: "sfb2015-unhardened", Min: tls.VersionTLS10, Max: tls.VersionTLS12, Suites: windows2012R2,
		About: "Skype for Business Server 2015 as installed: TLS 1.0 to 1.2"},
	{Name: "lync2013", Min: tls.VersionTLS10, Max: tls.VersionTLS10, Suites: windows2012R2,
		About: "an unpatched Lync Server 2013 Edge: TLS 1.0 only"},
	{Name: "modern", Min: tls.VersionTLS12, Max: tls.VersionTLS13,
		About: "not an Edge of its time: TLS 1.2 and 1.3 with Go's defaults"},
}

// Default is the profile edgesim uses when none is named.
const Default = "sfb2015"

// Lookup finds a profile by name, case-insensitively; "" is the default.
func Lookup(name string) (Profile, error) {
	if name == "" {
		name = Default
	}
	names := make([]string, len(Profiles))
	for i, p := range Profiles {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
		names[i] = p.Name
	}
	return Profile{}, fmt.Errorf("%q is not a TLS profile (%s)", name, strings.Join(names, ", "))
}
