// Package testpeer runs the real mail software that mailstack's tests use as
// peers and oracles: it finds their programs and starts private Dovecot
// instances.
//
// # Missing peers: skip locally, fail under CI
//
// Need(t, "swaks") returns the program's absolute path. When the program is
// not installed, the test is skipped on a developer's machine, but fails
// when the environment variable CI is true (see InCI), so that a CI image
// missing a peer cannot pass by skipping. The message names the Debian
// package to install.
//
// # A private Dovecot
//
// StartDovecot starts Dovecot (2.3, Debian's dovecot-core, -imapd, -pop3d
// and -lmtpd) with a configuration of its own in a private directory: IMAP,
// POP3 and LMTP on free 127.0.0.1 ports, no TLS, plaintext logins allowed,
// passwd-file users with {PLAIN} passwords and Maildir++ mailboxes. It waits
// until every service greets, and a t.Cleanup stops it and all its
// processes. Instances are independent, so parallel tests and parallel test
// binaries may each run their own. As root, Dovecot runs mail processes as
// the Debian "mail" user and the helper hands the Maildirs to it; as any
// other user it runs rootless.
//
//	func TestFetch(t *testing.T) {
//		d := testpeer.StartDovecot(t, testpeer.DovecotConfig{})
//		swaks := testpeer.Need(t, "swaks")
//		out, err := exec.Command(swaks, "--protocol", "LMTP", "--server", d.LMTPAddr,
//			"--from", "a@example.test", "--to", d.User).CombinedOutput()
//		if err != nil {
//			t.Fatalf("swaks: %v\n%s", err, out)
//		}
//		// Log in at d.IMAPAddr as d.User with d.Password and fetch the
//		// message, or look into d.MailDir.
//	}
//
// The tests of this package show the helper working end to end: swaks
// delivers over LMTP and Python's imaplib and poplib read the message back.
//
// testpeer implements no protocol itself; it drives RFC 9051 (IMAP), RFC
// 1939 (POP3) and RFC 2033 (LMTP) servers only to wait for their greetings.
package testpeer
