package testpeer

import (
	"crypto/tls"
	"testing"
)

// A client trusting the pool completes a handshake with a server using the
// certificate, by IP address and by name.
func TestTLSCert(t *testing.T) {
	cert, pool := TLSCert(t, "mx.test", "127.0.0.1")
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	for _, name := range []string{"127.0.0.1", "mx.test"} {
		c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c.Close()
	}
	if _, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "other.test"}); err == nil {
		t.Fatal("a name the certificate does not hold was accepted")
	}
}
