package config

import (
	"fmt"
	"net"
	"net/netip"
)

// Console is the Edge console, the browser view of the attempt record (package console).
type Console struct {
	Listen string `yaml:"listen" mapstructure:"listen"` // HOST:PORT; "" disables it
	Token  string `yaml:"token" mapstructure:"token"`   // required beyond loopback
}

// DefaultConsoleListen is console.listen's default: loopback, plain HTTP.
const DefaultConsoleListen = "127.0.0.1:5080"

// validateConsole: the console shows attacker-controlled SIP text and the lab's files to whoever
// connects, so bound beyond loopback it must ask for a token.
func (c Console) validate(bad func(key, format string, args ...any)) {
	if c.Listen == "" {
		return
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("console.listen", "%q is not HOST:PORT (or \"\" to disable)", c.Listen)
		return
	}
	if c.Token == "" && !LoopbackListen(c.Listen) {
		bad("console.token", "required when console.listen (%s) is not a loopback address", c.Listen)
	}
}

// LoopbackListen reports whether HOST:PORT binds the loopback interface only; an empty host binds
// every interface.
func LoopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// String names the console's address as the banner prints it.
func (c Console) String() string {
	if c.Listen == "" {
		return "disabled (console.listen is empty)"
	}
	return fmt.Sprintf("http://%s/", c.Listen)
}
