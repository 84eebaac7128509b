package testpeer_test

import (
	"net"
	"os/exec"
	"testing"

	"github.com/mailstack/mailstack/internal/testpeer"
)

// t stands for the *testing.T of the test the examples are written in.
var t testing.TB

// A test delivers a message to a private Dovecot over LMTP with swaks and
// reads the Maildir or asks IMAP for it. (The example has no output, so it
// is compiled but not run.)
func ExampleStartDovecot() {
	d := testpeer.StartDovecot(t, testpeer.DovecotConfig{
		Users: map[string]string{"bob@example.test": "bob-password"},
	})
	swaks := testpeer.Need(t, "swaks")
	out, err := exec.Command(swaks, "--protocol", "LMTP", "--server", d.LMTPAddr,
		"--from", "a@example.test", "--to", "bob@example.test").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	// The message is now in d.UserMailDir("bob@example.test"), and IMAP at
	// d.IMAPAddr serves it to bob.
	conn, err := net.Dial("tcp", d.IMAPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
}

// Need returns a peer's path, or skips the test (fails it under CI=true)
// when the peer is not installed.
func ExampleNeed() {
	smtpSink := testpeer.Need(t, "smtp-sink") // found in /usr/sbin too
	sink := exec.Command(smtpSink, "-u", "nobody", testpeer.FreeAddr(t), "16")
	_ = sink
}
