package mx

import (
	"bytes"
	"context"
	"encoding/hex"
	"testing"

	"github.com/mailstack/mailstack/mx/mxtest"
)

const tlsaHash = "8d02536c887482bc34ff54e41d2ba659bf85b341a0a20afadb5813dcfbcf286d"

// RFC 6698 §3, RFC 7672 §2.2: TLSA records at _25._tcp.HOST, with whether
// the answer was authenticated.
func TestLookupTLSA(t *testing.T) {
	srv, r := newTestServer(t,
		"_25._tcp.mx.secure.example. 300 IN TLSA 3 1 1 "+tlsaHash,
		"_25._tcp.mx.secure.example. 300 IN TLSA 2 0 1 "+tlsaHash,
		"_25._tcp.mx.insecure.example. 300 IN TLSA 3 1 1 "+tlsaHash,
		"_25._tcp.mx.alias.example. 300 IN CNAME _25._tcp.mx.secure.example.",
		"mx.none.example. 300 IN A 192.0.2.1",
		"_25._tcp.mx.fail.example. 300 IN TLSA 3 1 1 "+tlsaHash,
	)
	srv.SetSecure("_25._tcp.mx.secure.example", "_25._tcp.mx.alias.example", "mx.none.example", "_25._tcp.mx.none.example")
	srv.Set("_25._tcp.mx.fail.example", mxtest.ServFail)
	want, _ := hex.DecodeString(tlsaHash)
	ctx := context.Background()

	for _, host := range []string{"mx.secure.example", "MX.Secure.Example.", "mx.alias.example"} {
		recs, auth, err := r.LookupTLSA(ctx, 25, "tcp", host)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if !auth || len(recs) != 2 {
			t.Fatalf("%s: auth %v, %d records", host, auth, len(recs))
		}
		if recs[0].Usage != 3 || recs[0].Selector != 1 || recs[0].MatchingType != 1 || !bytes.Equal(recs[0].Data, want) {
			t.Errorf("%s: record %+v", host, recs[0])
		}
		if recs[1].Usage != 2 || recs[1].Selector != 0 {
			t.Errorf("%s: record %+v", host, recs[1])
		}
	}

	recs, auth, err := r.LookupTLSA(ctx, 25, "tcp", "mx.insecure.example")
	if err != nil || auth || len(recs) != 1 {
		t.Errorf("insecure: %d records, auth %v, %v", len(recs), auth, err)
	}

	// No records, securely denied: not an error.
	recs, auth, err = r.LookupTLSA(ctx, 25, "tcp", "mx.none.example")
	if err != nil || recs != nil || !auth {
		t.Errorf("none: %v, auth %v, %v", recs, auth, err)
	}
	recs, _, err = r.LookupTLSA(ctx, 25, "tcp", "mx.nowhere.example")
	if err != nil || recs != nil {
		t.Errorf("nxdomain: %v, %v", recs, err)
	}

	// RFC 7672 §2.2: a failed TLSA lookup defers.
	_, _, err = r.LookupTLSA(ctx, 25, "tcp", "mx.fail.example")
	e := wantError(t, err, ErrServerFailure, 451, "4.4.3")
	if e.Type != "TLSA" || e.Name != "_25._tcp.mx.fail.example" {
		t.Errorf("error names %q %q", e.Name, e.Type)
	}

	for _, bad := range []struct {
		port  int
		proto string
		host  string
	}{{0, "tcp", "mx.example"}, {70000, "tcp", "mx.example"}, {25, "", "mx.example"}, {25, "tcp", "[192.0.2.1]"}, {25, "tcp", "a..b"}} {
		_, _, err := r.LookupTLSA(ctx, bad.port, bad.proto, bad.host)
		wantError(t, err, ErrInvalidDomain, 550, "5.1.2")
	}
}
