package imap

import (
	"context"
	"strings"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/mailstack/mailstack/internal/testpeer"
	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

// newQuotaServer serves one memstore with the given limits to every user.
func newQuotaServer(t *testing.T, storage int64, messages int) *testServer {
	st := memstore.Config{QuotaStorage: storage, QuotaMessages: messages}.New()
	return newTestServer(t, func(s *Server) {
		s.Backend = store.BackendFunc(func(ctx context.Context, user string) (store.Store, error) { return st, nil })
	})
}

// quotaScript is run on this server and on a Dovecot with the same
// limits (10 KiB, 3 messages); Dovecot's root "User quota" is ours "".
var quotaScript = []struct{ cmd, want string }{
	{"APPEND INBOX {5+}\r\nabcde", "OK"},
	{"GETQUOTAROOT INBOX", `* QUOTAROOT INBOX ""|* QUOTA "" (STORAGE 1 10 MESSAGE 1 3)|OK`},
	{`GETQUOTA ""`, `* QUOTA "" (STORAGE 1 10 MESSAGE 1 3)|OK`},
	{"GETQUOTA nosuchroot", "NO"},
	{`SETQUOTA "" (STORAGE 100)`, "NO"},
	{"APPEND INBOX {5+}\r\nabcde {5+}\r\nabcde {5+}\r\nabcde", "NO [OVERQUOTA]"},
	{"APPEND INBOX {11000+}\r\n" + strings.Repeat("x", 11000), "NO [OVERQUOTA]"},
	{"APPEND INBOX {5+}\r\nabcde {5+}\r\nabcde", "OK"},
	{"GETQUOTAROOT INBOX", `* QUOTAROOT INBOX ""|* QUOTA "" (STORAGE 1 10 MESSAGE 3 3)|OK`},
	{"COPY 1 INBOX", "NO [OVERQUOTA]"},
}

func runQuotaScript(t *testing.T, cl *client, root string) []string {
	var out []string
	for _, step := range quotaScript {
		cmd := strings.ReplaceAll(step.cmd, `""`, `"`+root+`"`)
		lines, st := cl.do(cmd)
		var got []string
		for _, l := range lines {
			if strings.HasPrefix(l, "* QUOTA") {
				l = strings.Replace(l, `* QUOTAROOT "INBOX"`, "* QUOTAROOT INBOX", 1)
				got = append(got, strings.ReplaceAll(l, `"`+root+`"`, `""`))
			}
		}
		// Status words, and the one code both servers must agree on.
		st = normSearchRes(st)
		if !strings.Contains(st, "OVERQUOTA") {
			st, _, _ = strings.Cut(st, " ")
		}
		out = append(out, strings.Join(append(got, st), "|"))
	}
	return out
}

func TestQuotaCommands(t *testing.T) {
	ts := newQuotaServer(t, 10<<10, 3)
	cl := dial(t, ts.addr)
	if caps := cl.ok("CAPABILITY"); strings.Contains(caps[0], "QUOTA") {
		t.Errorf("QUOTA advertised before login: %q", caps)
	}
	cl.ok("LOGIN u pass")
	if caps := cl.ok("CAPABILITY"); !strings.Contains(caps[0], " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE") ||
		strings.Contains(caps[0], "QUOTASET") {
		t.Errorf("CAPABILITY after login: %q", caps)
	}
	cl.ok("SELECT INBOX")
	got := runQuotaScript(t, cl, "")
	for i, step := range quotaScript {
		if got[i] != step.want {
			t.Errorf("%.40q:\n got  %s\n want %s", step.cmd, got[i], step.want)
		}
	}
	if _, st := cl.do("GETQUOTAROOT Nowhere"); !strings.HasPrefix(st, "NO [NONEXISTENT]") {
		t.Errorf("GETQUOTAROOT of a missing mailbox: %q", st)
	}
	if _, st := cl.do(`SETQUOTA "" (STORAGE)`); !strings.HasPrefix(st, "BAD") {
		t.Errorf("SETQUOTA syntax error: %q", st)
	}
}

// Without limits the root is there, with no resource to report (a QUOTA
// response needs a limit for each, RFC 9208 §4.2, and at least one
// resource, §9: so none is sent); a store without store.QuotaReporter has
// no QUOTA at all.
func TestQuotaUnlimitedAndUnsupported(t *testing.T) {
	ts := newQuotaServer(t, 0, 0)
	cl := login(t, ts.addr, "u")
	if lines := cl.ok("GETQUOTAROOT INBOX"); !hasLine(lines, `* QUOTAROOT "INBOX" ""`) || len(lines) != 1 {
		t.Errorf("GETQUOTAROOT without limits: %q", lines)
	}
	ts = newTestServer(t, func(s *Server) {
		s.Backend = singleAppendBackend{memstore.NewBackend()} // hides QuotaReporter too
	})
	cl = login(t, ts.addr, "u")
	if caps := cl.ok("CAPABILITY"); strings.Contains(caps[0], "QUOTA") {
		t.Errorf("QUOTA advertised for a store without quotas: %q", caps)
	}
	if _, st := cl.do("GETQUOTAROOT INBOX"); !strings.HasPrefix(st, "BAD") {
		t.Errorf("GETQUOTAROOT without quotas: %q", st)
	}
}

// go-imap v2's client reads our QUOTA and QUOTAROOT responses.
func TestQuotaGoIMAP(t *testing.T) {
	ts := newQuotaServer(t, 1<<20, 100)
	c := goimapLogin(t, ts.addr)
	if !c.Caps().Has(goimap.CapQuota) || len(c.Caps().QuotaResourceTypes()) != 2 {
		t.Fatalf("caps %v", c.Caps())
	}
	msg := strings.Repeat("z", 3000)
	app := c.Append("INBOX", int64(len(msg)), nil)
	app.Write([]byte(msg))
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}
	roots, err := c.GetQuotaRoot("INBOX").Wait()
	if err != nil || len(roots) != 1 {
		t.Fatalf("GETQUOTAROOT: %+v %v", roots, err)
	}
	st := roots[0].Resources[goimap.QuotaResourceStorage]
	n := roots[0].Resources[goimap.QuotaResourceMessage]
	if roots[0].Root != "" || st.Usage != 3 || st.Limit != 1024 || n.Usage != 1 || n.Limit != 100 {
		t.Fatalf("GETQUOTAROOT: %+v", roots)
	}
	q, err := c.GetQuota("").Wait()
	if err != nil || q.Resources[goimap.QuotaResourceMessage].Usage != 1 {
		t.Fatalf("GETQUOTA: %+v %v", q, err)
	}
	if err := c.SetQuota("", map[goimap.QuotaResourceType]int64{goimap.QuotaResourceStorage: 1}).Wait(); err == nil {
		t.Fatal("SETQUOTA succeeded")
	}
}

// TestDovecotOracleQuota runs quotaScript in a Dovecot with the quota
// plugin and the same limits, and compares the answers.
func TestDovecotOracleQuota(t *testing.T) {
	testpeer.Need(t, "dovecot")
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{Extra: "mail_plugins = $mail_plugins quota\n" +
		"protocol imap {\n  mail_plugins = $mail_plugins imap_quota\n}\n" +
		"plugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=10k:messages=3\n}\n"})
	dc := dialUser(t, d.IMAPAddr, d.User, d.Password)
	theirs := runQuotaScript(t, dc, "User quota")
	ts := newQuotaServer(t, 10<<10, 3)
	cl := login(t, ts.addr, "u")
	cl.ok("SELECT INBOX")
	ours := runQuotaScript(t, cl, "")
	for i, step := range quotaScript {
		if ours[i] != theirs[i] {
			t.Errorf("%.40q:\n ours    %s\n dovecot %s", step.cmd, ours[i], theirs[i])
		}
	}
}
