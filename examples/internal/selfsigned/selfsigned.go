// Package selfsigned gives the example servers (smtp-sink, imapd, pop3d,
// mailserver) their TLS configuration: the certificate and key files the
// operator names, or a self-signed certificate for the local host made at
// start-up, in memory or kept in files so that clients that pinned it
// keep trusting it. It is example support, not library API.
//
//	conf, err := selfsigned.Load(certFile, keyFile, nil) // self-signed when both are ""
//
// The certificates follow RFC 5280 (X.509 profile) as crypto/x509 writes
// them; the names are checked by clients as RFC 6125 describes.
//
//	RFC 5280  X.509 certificates (subjectAltName §4.2.1.6)
//	RFC 6125  service identity: the DNS names and IP addresses named
package selfsigned

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ErrHalfPair is returned by Load when only one of the certificate and key
// files is named.
var ErrHalfPair = errors.New("selfsigned: a certificate file and its key file go together")

// Options describe a self-signed certificate. The zero value (or a nil
// *Options) works.
type Options struct {
	// Hosts are the DNS names and IP addresses the certificate is for,
	// besides "localhost", 127.0.0.1 and ::1, which it always names
	// (RFC 5280 §4.2.1.6). The first is the subject's common name.
	// Default none: the common name is "localhost".
	Hosts []string
	// Organization names the maker in the subject. Default none.
	Organization string
	// Validity is how long the certificate is valid, from an hour before
	// it is made (to allow for clocks that are behind). Default a year.
	Validity time.Duration
}

// Generate makes a self-signed ECDSA P-256 certificate for serving TLS.
func Generate(o *Options) (tls.Certificate, error) {
	key, der, err := generate(o)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func generate(o *Options) (*ecdsa.PrivateKey, []byte, error) {
	if o == nil {
		o = &Options{}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: %w", err)
	}
	// RFC 5280 §4.1.2.2: a positive serial of at most 20 octets.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: %w", err)
	}
	validity := o.Validity
	if validity <= 0 {
		validity = 365 * 24 * time.Hour
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(o.Hosts) > 0 && o.Hosts[0] != "" {
		tmpl.Subject.CommonName = o.Hosts[0]
	}
	if o.Organization != "" {
		tmpl.Subject.Organization = []string{o.Organization}
	}
	tmpl.DNSNames, tmpl.IPAddresses = names(o.Hosts)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("selfsigned: %w", err)
	}
	return key, der, nil
}

// names sorts hosts into DNS names and IP addresses, adding localhost and
// the loopback addresses, without repeats.
func names(hosts []string) ([]string, []net.IP) {
	var dns []string
	var ips []net.IP
	for _, h := range append(slices.Clone(hosts), "localhost", "127.0.0.1", "::1") {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if h != "" && !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

// Load returns a server configuration with the certificate and key of
// the PEM files named, or, when both names are empty, with a certificate
// Generate makes.
func Load(certFile, keyFile string, o *Options) (*tls.Config, error) {
	if (certFile == "") != (keyFile == "") {
		return nil, ErrHalfPair
	}
	var cert tls.Certificate
	var err error
	if certFile != "" {
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	} else {
		cert, err = Generate(o)
	}
	if err != nil {
		return nil, err
	}
	return config(cert), nil
}

// LoadOrCreate is Load for files that are made when certFile does not
// exist: a certificate Generate makes is written there (mode 0644) and its
// key to keyFile (mode 0600), in directories made 0700 if missing.
func LoadOrCreate(certFile, keyFile string, o *Options) (*tls.Config, error) {
	if _, err := os.Stat(certFile); errors.Is(err, os.ErrNotExist) {
		if err := create(certFile, keyFile, o); err != nil {
			return nil, err
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return config(cert), nil
}

func config(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}

// create writes a new certificate and key as PEM.
func create(certFile, keyFile string, o *Options) error {
	key, der, err := generate(o)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("selfsigned: %w", err)
	}
	for _, dir := range []string{filepath.Dir(certFile), filepath.Dir(keyFile)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	// The key first: a certificate without its key would be taken as
	// made on the next start.
	if err := writePEM(keyFile, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return err
	}
	return writePEM(certFile, "CERTIFICATE", der, 0o644)
}

// writePEM writes the file whole or not at all (a temporary file renamed).
func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
