// Command mailserver wires mailstack's packages into a complete mail server:
// SMTP (MTA), submission (MSA), LMTP delivery into Maildirs, an outbound
// queue with MX lookup, and IMAP and POP3 retrieval.
//
// It is not built yet: see the project's open issues. For now it only says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "mailserver: not built yet; the packages it wires together are being written (see README.md)")
	os.Exit(0)
}
