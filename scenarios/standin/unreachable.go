package standin

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/netip"
	"sync"
	"time"
)

// ClosedPort is the stand-in for an Expressway-E that is down: a port nothing listens on, bound on
// 127.0.0.1:0 and closed again, so a connect to it is refused.
func ClosedPort() (uint16, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).AddrPort().Port()
	if err := ln.Close(); err != nil {
		return 0, err
	}
	return port, nil
}

// CertRejecter is an Expressway-E that presents its certificate but verifies the client's against
// a CA that did not sign the Edge's, so it aborts every handshake with an unknown_ca alert and no
// request ever reaches it. Server accepts any client certificate, hence this small listener.
type CertRejecter struct {
	ln   net.Listener
	wg   sync.WaitGroup
	once sync.Once
}

// StartCertRejecter listens on 127.0.0.1:0, presenting cert and trusting only clientCAs for the
// client's certificate, until Close.
func StartCertRejecter(cert tls.Certificate, clientCAs *x509.CertPool) (*CertRejecter, error) {
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &CertRejecter{ln: ln}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				tc := tls.Server(c, conf)
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tc.Handshake() // fails unless the Edge's certificate verifies; this stand-in never speaks SIP
				_ = tc.Close()
			}()
		}
	}()
	return r, nil
}

// Addr is the bound address; the SRV record's port.
func (r *CertRejecter) Addr() netip.AddrPort { return r.ln.Addr().(*net.TCPAddr).AddrPort() }

// Close stops listening and waits for the handshakes under way.
func (r *CertRejecter) Close() error {
	var err error
	r.once.Do(func() {
		err = r.ln.Close()
		r.wg.Wait()
	})
	return err
}
