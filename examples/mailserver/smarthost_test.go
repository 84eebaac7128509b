package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// TestSmarthost: with relay.smarthost, outbound mail goes to that relay
// over STARTTLS with a verified certificate, and DNS is not asked. The
// program runs as its own process so that SSL_CERT_FILE can make it trust
// the relay's self-signed certificate.
func TestSmarthost(t *testing.T) {
	testpeer.Need(t, "swaks")
	relay := startServer(t, testConfig(t, "mx.b.test", "b.test", "bob@b.test:{PLAIN}bob-pw"))
	dir := t.TempDir()
	sub := testpeer.FreeAddr(t)
	writeFile(t, filepath.Join(dir, "cfg.toml"), fmt.Sprintf(`hostname = "mx.a.test"
data_dir = "."
domains = ["a.test"]
[listen]
submission = %q
[dns]
servers = ["127.0.0.1:1"] # nothing there: an MX lookup would fail
[relay]
smarthost = %q
`, sub, relay.addr("smtp")))
	writeFile(t, filepath.Join(dir, "users"), "alice@a.test:{PLAIN}alice-pw\n")
	p := startProcessEnv(t, dir, []string{"SSL_CERT_FILE=" + filepath.Join(relay.cfg.DataDir, selfSignedCert)}, "-config", "cfg.toml")
	submit(t, sub, "alice@a.test", "alice-pw", "alice@a.test", "bob@b.test", "--header", "Subject: via the smarthost")
	relay.events.wait(t, "delivery to bob", deliveredTo("bob@b.test"))
	msgs := maildirMessages(t, relay.maildirPath("bob@b.test", ""))
	if len(msgs) != 1 || !strings.Contains(msgs[0], "Received: from mx.a.test") || !strings.Contains(msgs[0], "by mx.b.test with ESMTPS") || !strings.Contains(msgs[0], "Subject: via the smarthost") {
		t.Errorf("bob's INBOX: %q", msgs)
	}
	if err := p.stop(t); err != nil {
		t.Errorf("SIGTERM: exit %v", err)
	}
}
