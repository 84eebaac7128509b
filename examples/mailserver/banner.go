package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// passwordPlaceholder stands for a password the server does not know (it
// keeps hashes only), in the client command lines it prints.
const passwordPlaceholder = "PASSWORD"

// describe says what each service is, for the listener lines.
var describe = map[string]string{
	"smtp":        "MTA: mail for the local domains from anyone, relaying only after AUTH; STARTTLS",
	"submission":  "MSA: STARTTLS, then AUTH required",
	"submissions": "MSA: implicit TLS, AUTH required",
	"lmtp":        "LMTP: delivery into the Maildirs, for this server's queue or another MTA",
	"imap":        "IMAP: STARTTLS, then LOGIN",
	"imaps":       "IMAP: implicit TLS",
	"pop3":        "POP3: STLS, then USER/PASS",
	"pop3s":       "POP3: implicit TLS",
}

// printBanner prints the data directory, the new password of the embedded
// default's user (first start only), one line per listener, and command
// lines that send a message and read it with swaks and curl.
func printBanner(w io.Writer, s *server, password string) {
	fmt.Fprintf(w, "mailserver: %s for %s, data in %s\n", s.cfg.Hostname, strings.Join(s.cfg.Domains, ", "), s.cfg.DataDir)
	user := s.hintUser()
	if password != "" {
		fmt.Fprintf(w, "%s password: %s\n", user, password)
	} else {
		password = passwordPlaceholder
	}
	for _, l := range s.listeners {
		if l.name != "" {
			fmt.Fprintf(w, "listening %s %s (%s)\n", l.name, l.ln.Addr(), describe[l.name])
		}
	}
	if send := s.sendHint(user, password); send != "" {
		fmt.Fprintf(w, "send yourself a message:\n  %s\n", send)
	}
	if read := s.readHint(user, password); read != "" {
		fmt.Fprintf(w, "read it:\n  %s\n", read)
	}
	fmt.Fprintln(w, "the certificate is self-signed unless [tls] names one: swaks does not check it, curl needs -k")
}

// hintUser is the user the command lines use: the embedded default's, or
// the first in the users file.
func (s *server) hintUser() string {
	d := s.directory()
	if _, ok := d.users[demoUser]; ok {
		return demoUser
	}
	var users []string
	for u := range d.users {
		users = append(users, u)
	}
	if len(users) == 0 {
		return "USER@" + s.cfg.Domains[0]
	}
	slices.Sort(users)
	return users[0]
}

// sendHint is a swaks command that submits a message from user to user.
func (s *server) sendHint(user, password string) string {
	auth := fmt.Sprintf("--auth-user %s --auth-password '%s' --from %s --to %s", user, password, user, user)
	switch {
	case s.addr("submission") != "":
		return fmt.Sprintf("swaks --server %s -tls %s", s.addr("submission"), auth)
	case s.addr("submissions") != "":
		return fmt.Sprintf("swaks --server %s --tls-on-connect %s", s.addr("submissions"), auth)
	case s.addr("smtp") != "":
		return fmt.Sprintf("swaks --server %s --from someone@example.org --to %s", s.addr("smtp"), user)
	}
	return ""
}

// readHint is a curl command that fetches the first message of user's
// INBOX.
func (s *server) readHint(user, password string) string {
	cred := fmt.Sprintf("-u '%s:%s'", user, password)
	switch {
	case s.addr("imap") != "":
		return fmt.Sprintf("curl -k --ssl-reqd %s 'imap://%s/INBOX;UID=1'", cred, s.addr("imap"))
	case s.addr("imaps") != "":
		return fmt.Sprintf("curl -k %s 'imaps://%s/INBOX;UID=1'", cred, s.addr("imaps"))
	case s.addr("pop3s") != "":
		return fmt.Sprintf("curl -k %s 'pop3s://%s/1'", cred, s.addr("pop3s"))
	case s.addr("pop3") != "":
		return fmt.Sprintf("curl -k --ssl-reqd %s 'pop3://%s/1'", cred, s.addr("pop3"))
	}
	return ""
}
