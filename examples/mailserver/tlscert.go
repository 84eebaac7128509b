package main

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/mailstack/mailstack/examples/internal/selfsigned"
)

// Where the self-signed certificate is kept, under the data directory.
const (
	selfSignedCert = "tls/cert.pem"
	selfSignedKey  = "tls/key.pem"
)

// loadTLS returns the TLS configuration of every listener: the certificate
// of [tls], or a self-signed one made on first start and kept in the data
// directory, so that clients that pinned it keep trusting it. The
// self-signed certificate names the host name, localhost and the loopback
// addresses, and is valid for ten years.
func loadTLS(c *Config) (*tls.Config, error) {
	if c.TLS.Cert != "" {
		conf, err := selfsigned.Load(c.path(c.TLS.Cert), c.path(c.TLS.Key), nil)
		if err != nil {
			return nil, c.errAt("tls.cert", "%v", err)
		}
		return conf, nil
	}
	conf, err := selfsigned.LoadOrCreate(c.path(selfSignedCert), c.path(selfSignedKey), &selfsigned.Options{
		Hosts:        []string{c.Hostname},
		Organization: "mailstack mailserver (self-signed)",
		Validity:     10 * 365 * 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	return conf, nil
}
