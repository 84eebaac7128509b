package selfsigned

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func leaf(t *testing.T, conf *tls.Config) *x509.Certificate {
	t.Helper()
	if len(conf.Certificates) != 1 || conf.MinVersion != tls.VersionTLS12 {
		t.Fatalf("config %+v", conf)
	}
	c, err := x509.ParseCertificate(conf.Certificates[0].Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// RFC 5280 §4.2.1.6: the names a client checks are in subjectAltName.
func TestGenerateNames(t *testing.T) {
	tests := []struct {
		o   *Options
		cn  string
		dns []string
		ips int
	}{
		{nil, "localhost", []string{"localhost"}, 2},
		{&Options{Hosts: []string{"mx.example.test"}}, "mx.example.test", []string{"mx.example.test", "localhost"}, 2},
		{&Options{Hosts: []string{"localhost", "127.0.0.1"}}, "localhost", []string{"localhost"}, 2},
		{&Options{Hosts: []string{"a.test", "192.0.2.1", "a.test"}}, "a.test", []string{"a.test", "localhost"}, 3},
	}
	for _, tt := range tests {
		conf, err := Load("", "", tt.o)
		if err != nil {
			t.Fatal(err)
		}
		c := leaf(t, conf)
		if c.Subject.CommonName != tt.cn || !slices.Equal(c.DNSNames, tt.dns) || len(c.IPAddresses) != tt.ips {
			t.Errorf("%+v: CN %q DNS %q IPs %v", tt.o, c.Subject.CommonName, c.DNSNames, c.IPAddresses)
		}
		for _, name := range append(tt.dns, "127.0.0.1", "::1") {
			if err := c.VerifyHostname(name); err != nil {
				t.Errorf("%+v: %v", tt.o, err)
			}
		}
		if c.VerifyHostname("other.test") == nil {
			t.Errorf("%+v: valid for other.test", tt.o)
		}
	}
}

func TestGenerateValidity(t *testing.T) {
	cert, err := Generate(&Options{Validity: 10 * 365 * 24 * time.Hour, Organization: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(cert.Certificate[0])
	if c.NotAfter.Before(time.Now().AddDate(9, 0, 0)) || c.NotBefore.After(time.Now()) || c.Subject.Organization[0] != "test" {
		t.Errorf("valid %v to %v, subject %v", c.NotBefore, c.NotAfter, c.Subject)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	if _, err := c.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool}); err != nil {
		t.Errorf("does not verify against itself: %v", err)
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load("cert.pem", "", nil); !errors.Is(err, ErrHalfPair) {
		t.Errorf("cert without key: %v", err)
	}
	if _, err := Load("", "key.pem", nil); !errors.Is(err, ErrHalfPair) {
		t.Errorf("key without cert: %v", err)
	}
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "c"), filepath.Join(dir, "k"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing files: %v", err)
	}
}

// LoadOrCreate makes the files once and then keeps them.
func TestLoadOrCreate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls", "cert.pem"), filepath.Join(dir, "tls", "key.pem")
	first, err := LoadOrCreate(certFile, keyFile, &Options{Hosts: []string{"mx.a.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := leaf(t, first); c.Subject.CommonName != "mx.a.test" {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	for path, mode := range map[string]os.FileMode{certFile: 0o644, keyFile: 0o600, filepath.Dir(certFile): 0o700 | os.ModeDir} {
		if st, err := os.Stat(path); err != nil || st.Mode() != mode {
			t.Errorf("%s: %v %v, want %v", path, st.Mode(), err, mode)
		}
	}
	second, err := LoadOrCreate(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !leaf(t, second).Equal(leaf(t, first)) {
		t.Error("a second start made a new certificate")
	}
	// Load reads them too.
	third, err := Load(certFile, keyFile, nil)
	if err != nil || !leaf(t, third).Equal(leaf(t, first)) {
		t.Errorf("Load: %v", err)
	}
	// A client that trusts the file connects.
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pem)
	l, err := tls.Listen("tcp", "127.0.0.1:0", first)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "mx.a.test"})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	conn.Close()
}
