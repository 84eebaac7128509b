package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// policyServer serves a.test with users alice and carol; postmaster@a.test
// is an alias of carol.
func policyServer(t *testing.T) *testServer {
	cfg := testConfig(t, "mx.a.test", "a.test", "alice@a.test:{PLAIN}alice-pw", "carol@a.test:{PLAIN}carol-pw")
	cfg.Aliases = map[string][]string{"postmaster@a.test": {"carol@a.test"}}
	return startServer(t, cfg)
}

// TestRelayRefused: the MTA takes mail for local users from anyone, and
// refuses any other recipient with 554 5.7.1 unless the client
// authenticated, which would otherwise make an open relay.
func TestRelayRefused(t *testing.T) {
	s := policyServer(t)
	ctx := context.Background()
	tests := []struct {
		name, user, rcpt, want string
	}{
		{"outside to remote domain", "", "<bob@b.test>", "554 5.7.1"},
		{"outside to local user", "", "<alice@a.test>", ""},
		{"outside to sub-address", "", "<alice+lists@a.test>", ""},
		{"outside to alias", "", "<postmaster@a.test>", ""},
		{"RFC 5321 §4.5.1 <Postmaster>", "", "<Postmaster>", ""},
		{"outside to unknown local user", "", "<nobody@a.test>", "550 5.1.1"},
		{"authenticated to remote domain", "alice@a.test", "<bob@b.test>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialSMTP(t, s.addr("smtp"), tt.user, passwordOf(tt.user))
			from := "<someone@outside.test>"
			if tt.user != "" {
				from = "<" + tt.user + ">"
			}
			if err := c.Mail(ctx, mustPath(t, from), nil); err != nil {
				t.Fatalf("MAIL: %v", err)
			}
			err := c.Rcpt(ctx, mustPath(t, tt.rcpt), nil)
			if got := replyOf(err); !strings.HasPrefix(got, tt.want) || (tt.want == "" && err != nil) {
				t.Errorf("RCPT %s: %q, want %q", tt.rcpt, got, tt.want)
			}
		})
	}
}

// TestRelayRefusedSwaks checks the refusal with a real client.
func TestRelayRefusedSwaks(t *testing.T) {
	swaks := testpeer.Need(t, "swaks")
	s := policyServer(t)
	out, err := runCommand(swaks, "-S", "1", "--server", s.addr("smtp"), "--from", "x@outside.test", "--to", "bob@b.test")
	if err == nil || !strings.Contains(out, "554 5.7.1") {
		t.Fatalf("swaks relayed through the MTA: %v\n%s", err, out)
	}
}

// TestSenderOwnership: on the MSA a user may send as their login, its
// sub-addresses and the aliases pointing at them, and as nobody else
// (553 5.7.1).
func TestSenderOwnership(t *testing.T) {
	s := policyServer(t)
	ctx := context.Background()
	tests := []struct {
		user, from, want string
	}{
		{"carol@a.test", "<carol@a.test>", ""},
		{"carol@a.test", "<Carol@A.TEST>", ""},
		{"carol@a.test", "<carol+news@a.test>", ""},
		{"carol@a.test", "<postmaster@a.test>", ""},
		{"carol@a.test", "<postmaster+x@a.test>", ""},
		{"carol@a.test", "<alice@a.test>", "553 5.7.1"},
		{"carol@a.test", "<alice+carol@a.test>", "553 5.7.1"},
		{"alice@a.test", "<postmaster@a.test>", "553 5.7.1"},
		{"alice@a.test", "<alice@b.test>", "553 5.7.1"},
		{"alice@a.test", "<>", "553 5.7.1"},
	}
	for _, tt := range tests {
		t.Run(tt.user+" as "+tt.from, func(t *testing.T) {
			c := dialSMTP(t, s.addr("submission"), tt.user, passwordOf(tt.user))
			err := c.Mail(ctx, mustPath(t, tt.from), nil)
			if got := replyOf(err); !strings.HasPrefix(got, tt.want) || (tt.want == "" && err != nil) {
				t.Errorf("MAIL FROM:%s as %s: %q, want %q", tt.from, tt.user, got, tt.want)
			}
		})
	}
}

// TestSubmissionNeedsAuth: RFC 6409 §4.3, no mail on the MSA without
// AUTH, and AUTH only under TLS (RFC 4954 §4).
func TestSubmissionNeedsAuth(t *testing.T) {
	s := policyServer(t)
	ctx := context.Background()
	c := dialSMTP(t, s.addr("submission"), "", "")
	if err := c.Mail(ctx, mustPath(t, "<alice@a.test>"), nil); !strings.HasPrefix(replyOf(err), "530 5.7.0") {
		t.Errorf("MAIL without AUTH: %q, want 530 5.7.0", replyOf(err))
	}
	c = dialSMTP(t, s.addr("submission"), "alice@a.test", "wrong")
	if err := c.Handshake(ctx); !strings.HasPrefix(replyOf(err), "535 5.7.8") {
		t.Errorf("AUTH with a wrong password: %q, want 535 5.7.8", replyOf(err))
	}
}
