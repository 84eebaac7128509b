package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// password is one user's stored password: a scheme and its value.
type password struct {
	scheme string // PLAIN or BLF-CRYPT
	value  string
}

func (p password) check(given string) bool {
	switch p.scheme {
	case "PLAIN":
		return subtle.ConstantTimeCompare([]byte(p.value), []byte(given)) == 1
	case "BLF-CRYPT":
		return bcrypt.CompareHashAndPassword([]byte(p.value), []byte(given)) == nil
	}
	return false
}

// loadUsers reads a Dovecot passwd-file: "user:password[:uid:gid:...]",
// with the password as {SCHEME}value. PLAIN (also CLEARTEXT) and
// BLF-CRYPT are understood; a bare bcrypt hash ($2a$, $2b$, $2y$) counts
// as BLF-CRYPT. Blank lines and lines starting with # are skipped.
func loadUsers(path string) (map[string]password, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	users := map[string]password{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		user, rest, ok := strings.Cut(line, ":")
		if !ok || !validUser(user) {
			return nil, fmt.Errorf("%s:%d: expected user:password", path, n)
		}
		pass, _, _ := strings.Cut(rest, ":")
		p, err := parsePassword(pass)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		users[user] = p
	}
	return users, sc.Err()
}

func parsePassword(s string) (password, error) {
	if strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$") {
		return password{"BLF-CRYPT", s}, nil
	}
	if !strings.HasPrefix(s, "{") {
		return password{}, fmt.Errorf("password without {SCHEME}")
	}
	scheme, value, ok := strings.Cut(s[1:], "}")
	if !ok {
		return password{}, fmt.Errorf("unterminated {SCHEME}")
	}
	switch scheme = strings.ToUpper(scheme); scheme {
	case "PLAIN", "CLEARTEXT":
		return password{"PLAIN", value}, nil
	case "BLF-CRYPT":
		if _, err := bcrypt.Cost([]byte(value)); err != nil {
			return password{}, fmt.Errorf("bad BLF-CRYPT hash: %w", err)
		}
		return password{"BLF-CRYPT", value}, nil
	}
	return password{}, fmt.Errorf("unsupported password scheme {%s}", scheme)
}

// selfSigned makes a certificate for localhost and 127.0.0.1, for testing
// STLS without a real one.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
