package testpeer

import (
	"net"
	"strings"
	"testing"
)

func TestFreeAddr(t *testing.T) {
	for range 3 {
		addr := FreeAddr(t)
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Fatalf("FreeAddr = %q, want 127.0.0.1:PORT", addr)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("FreeAddr gave %s, which cannot be bound: %v", addr, err)
		}
		ln.Close()
	}
	ports, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	if ports[0] == ports[1] || ports[1] == ports[2] || ports[0] == ports[2] {
		t.Errorf("freePorts(3) = %v, want distinct ports", ports)
	}
}
