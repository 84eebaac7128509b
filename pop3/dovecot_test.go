package pop3

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
)

// dovecotTLS writes the test certificate and key as PEM files for
// Dovecot's ssl_cert and ssl_key, and returns the settings.
func dovecotTLS(t *testing.T) string {
	t.Helper()
	srvTLS, _ := testTLS(t)
	cert := srvTLS.Certificates[0]
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	return fmt.Sprintf("ssl = yes\nssl_cert = <%s\nssl_key = <%s\n", certFile, keyFile)
}

// TestDovecotClient runs the client against a private Dovecot: STLS,
// CAPA, login, STAT, LIST, UIDL (checked against the UIDs and UIDVALIDITY
// doveadm reports, which also shows DovecotUIDL matches Dovecot's default
// format), RETR of LF-only files with dot lines, TOP, DELE and QUIT.
func TestDovecotClient(t *testing.T) {
	ctx := context.Background()
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{Extra: dovecotTLS(t)})
	msgs := []string{
		"From: a@example.test\nSubject: one\n\n.leading dot\n..two\n.\nend\n",
		"From: b@example.test\r\nSubject: two\r\n\r\nCRLF body\r\n",
		"Subject: big\n\n" + strings.Repeat(".x\n"+strings.Repeat("y", 998)+"\n", 10000),
	}
	for i, m := range msgs {
		name := filepath.Join(d.MailDir, "new", fmt.Sprintf("100000000%d.M1P1.test", i))
		if err := os.WriteFile(name, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	d.ChownMailDirs(t)

	_, cliTLS := testTLS(t)
	c, err := DialStartTLS(ctx, d.POP3Addr, &ClientOptions{TLSConfig: cliTLS})
	if err != nil {
		t.Fatalf("STLS to Dovecot: %v\n%s", err, d.LogContents())
	}
	defer c.Close()
	caps, err := c.Capabilities(ctx)
	if err != nil || !caps.Has("UIDL") || !caps.Has("TOP") || !caps.Has("PIPELINING") {
		t.Fatalf("CAPA: %v %v", caps, err)
	}
	if err := c.Login(ctx, d.User, "wrong"); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("wrong password: %v", err)
	}
	if err := c.Authenticate(ctx, sasl.NewPlainClient("", d.User, d.Password)); err != nil {
		t.Fatalf("AUTH PLAIN: %v\n%s", err, d.LogContents())
	}
	n, total, err := c.Stat(ctx)
	if err != nil || n != 3 {
		t.Fatalf("STAT = %d %d %v", n, total, err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("LIST = %v %v", list, err)
	}
	uids, err := c.UIDL(ctx)
	if err != nil || len(uids) != 3 {
		t.Fatalf("UIDL = %v %v", uids, err)
	}
	want := dovecotUIDLs(t, d)
	for i, u := range uids {
		if u.UID != want[i] {
			t.Errorf("UIDL %d = %q, DovecotUIDL gives %q", i+1, u.UID, want[i])
		}
	}
	var sum int64
	for i, m := range msgs {
		got := retr(t, c, i+1)
		if got != toCRLF(m) {
			t.Errorf("RETR %d: got %d octets, want %d", i+1, len(got), len(toCRLF(m)))
		}
		if int64(len(got)) != list[i].Size {
			t.Errorf("RETR %d: %d octets, LIST said %d", i+1, len(got), list[i].Size)
		}
		sum += list[i].Size
	}
	if sum != total {
		t.Errorf("STAT total %d, LIST sum %d", total, sum)
	}
	r, err := c.Top(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var top bytes.Buffer
	top.ReadFrom(r)
	r.Close()
	if top.String() != "From: a@example.test\r\nSubject: one\r\n\r\n.leading dot\r\n" {
		t.Errorf("TOP 1 1 = %q", top.String())
	}
	if err := c.Dele(ctx, 1, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListMessage(ctx, 1); err == nil {
		t.Error("LIST of a deleted message succeeded")
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := d.Doveadm(t, "mailbox", "status", "-u", d.User, "messages", "INBOX")
	if err != nil || strings.TrimSpace(string(out)) != "INBOX messages=1" {
		t.Errorf("after DELE 1 3 and QUIT: %q %v", out, err)
	}
}

// dovecotUIDLs returns DovecotUIDL of each message in INBOX, from the UIDs
// and UIDVALIDITY doveadm reports.
func dovecotUIDLs(t *testing.T, d *testpeer.Dovecot) []string {
	t.Helper()
	out, err := d.Doveadm(t, "mailbox", "status", "-u", d.User, "uidvalidity", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := strings.Cut(strings.TrimSpace(string(out)), "uidvalidity=")
	validity, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		t.Fatalf("uidvalidity %q: %v", out, err)
	}
	out, err = d.Doveadm(t, "fetch", "-u", d.User, "uid", "mailbox", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range strings.Split(string(out), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), "uid: "); ok {
			uid, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, DovecotUIDL(uint32(validity), store.UID(uid)))
		}
	}
	return ids
}
