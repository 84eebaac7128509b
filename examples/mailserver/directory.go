package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/examples/internal/passwd"
)

// detailSep separates a user from the detail of a sub-address
// ("bob+lists@b.test"), as Postfix's recipient_delimiter and Dovecot's
// recipient_delimiter default to.
const detailSep = '+'

// directory answers who an address belongs to: the users of the users file
// and the aliases of the configuration. It is immutable; a reload (SIGHUP)
// builds a new one.
type directory struct {
	users   map[string]passwd.Secret // canonical address → password
	aliases map[string][]string      // canonical address → canonical users
}

// newDirectory checks that every alias target is a user. Errors name the
// alias key and its line in the configuration.
func newDirectory(c *Config, users map[string]passwd.Secret) (*directory, error) {
	d := &directory{users: users, aliases: c.Aliases}
	for from, to := range c.Aliases {
		if _, clash := users[from]; clash {
			return nil, c.errAt("aliases."+strconv.Quote(from), "%s is also a user", from)
		}
		for _, t := range to {
			if _, ok := users[t]; !ok {
				return nil, c.errAt("aliases."+strconv.Quote(from), "target %s is not a user in the users file", t)
			}
		}
	}
	return d, nil
}

// canonical puts an address in the form the directory keys use: local part
// in lower case, domain in lower-case A-labels.
func canonical(a envelope.Address) envelope.Address {
	d, err := envelope.DomainToASCII(a.Domain)
	if err != nil {
		d = a.Domain
	}
	return envelope.Address{Local: strings.ToLower(a.Local), Domain: strings.ToLower(d)}
}

// resolve returns the users who receive mail sent to a, and the detail of
// a sub-address ("" if none). An exact user or alias wins over a
// sub-address, so a login "a+b@x" keeps working.
func (d *directory) resolve(a envelope.Address) (users []string, detail string, ok bool) {
	c := canonical(a)
	if u := d.lookup(c.String()); u != nil {
		return u, "", true
	}
	base, detail, found := strings.Cut(c.Local, string(detailSep))
	if !found || base == "" {
		return nil, "", false
	}
	// The detail keeps the case it was written in: it names a folder.
	_, detail, _ = strings.Cut(a.Local, string(detailSep))
	if u := d.lookup(base + "@" + c.Domain); u != nil && utf8.ValidString(detail) {
		return u, detail, true
	}
	return nil, "", false
}

func (d *directory) lookup(addr string) []string {
	if _, ok := d.users[addr]; ok {
		return []string{addr}
	}
	return d.aliases[addr]
}

// owns reports whether user may send as a: a is the user's address, a
// sub-address of it, or an alias (or its sub-address) whose targets include
// the user.
func (d *directory) owns(user string, a envelope.Address) bool {
	users, _, ok := d.resolve(a)
	return ok && slices.Contains(users, user)
}

// authenticate checks a login, which is the user's address in any case,
// and returns the user's canonical name.
func (d *directory) authenticate(login, password string) (string, bool) {
	a, err := parseAddr(login)
	if err != nil {
		return "", false // never a user: nothing to hide
	}
	user := a.String()
	if _, ok := d.users[user]; !ok {
		// Spend the time a check takes, so that unknown users do not
		// answer faster than wrong passwords.
		return "", passwd.CheckAbsent(password)
	}
	return user, d.users[user].Check(password)
}

// user returns the canonical name of a login, if it is a user.
func (d *directory) user(login string) (string, bool) {
	a, err := parseAddr(login)
	if err != nil {
		return "", false
	}
	name := a.String()
	_, ok := d.users[name]
	return name, ok
}

func (d *directory) String() string {
	return fmt.Sprintf("%d users, %d aliases", len(d.users), len(d.aliases))
}
