package envelope

import "strings"

// Path is the argument of MAIL FROM (a reverse-path) or RCPT TO (a
// forward-path), RFC 5321 §4.1.2:
//
//	Reverse-path = Path / "<>"
//	Forward-path = Path            ; RCPT also takes "<Postmaster>"
//	Path         = "<" [ A-d-l ":" ] Mailbox ">"
//
// A source route (A-d-l, "@relay1,@relay2:") is parsed and dropped, as
// RFC 5321 §3.3 and Appendix C tell a server to do, so it is not kept here
// and String does not print it.
type Path struct {
	// Mailbox is the path's mailbox: the zero Address for the null
	// reverse-path "<>", and an Address with an empty Domain for the
	// forward-path "<Postmaster>" (RFC 5321 §4.1.1.3).
	Mailbox Address
}

// IsNull reports whether p is the null reverse-path "<>", used for
// notifications that must not be answered (RFC 5321 §4.5.5).
func (p Path) IsNull() bool { return p.Mailbox == Address{} }

// IsPostmaster reports whether p is the domain-less forward-path
// "<Postmaster>" in any case (RFC 5321 §4.1.1.3), which every server must
// accept. A path such as "<postmaster@example.com>" is an ordinary mailbox;
// use p.Mailbox.IsPostmaster for it.
func (p Path) IsPostmaster() bool {
	return p.Mailbox.Domain == "" && p.Mailbox.IsPostmaster()
}

// String formats the path in angle brackets: "<>", "<Postmaster>" or
// "<" + Mailbox.String() + ">". For a parsed path it is at most
// MaxPathLength octets.
func (p Path) String() string {
	return "<" + p.Mailbox.String() + ">"
}

// ParseReversePath parses s, the whole argument of MAIL FROM: after the
// colon without parameters, as a reverse-path: a Path or the null path
// "<>" (RFC 5321 §4.1.1.2). The error is a *SyntaxError of Kind
// "reverse-path"; see CutReversePath for what is accepted.
func ParseReversePath(s string, opts ParseOptions) (Path, error) {
	return parseWholePath(s, opts, false)
}

// ParseForwardPath parses s as a forward-path, the argument of RCPT TO:
// (RFC 5321 §4.1.1.3): a Path, or "<Postmaster>" in any case. The null
// path is refused with ErrNullPath. The error is a *SyntaxError of Kind
// "forward-path"; see CutForwardPath for what is accepted.
func ParseForwardPath(s string, opts ParseOptions) (Path, error) {
	return parseWholePath(s, opts, true)
}

// CutReversePath parses the reverse-path at the start of s and returns it
// with the rest of s, which is empty or starts with the space before the
// ESMTP parameters (RFC 5321 §4.1.1.2). Finding the end of the path needs
// the addrParser: a quoted local part may hold spaces and '>'.
//
// The path must be in angle brackets unless opts.AllowBareAddress is set.
// A source route is accepted and dropped. The whole path may be at most
// MaxPathLength octets as written (ErrPathTooLong), its local part 64 and
// its domain 255 (RFC 5321 §4.5.3.1). Parsing stops soon after those
// limits whatever the length of s.
func CutReversePath(s string, opts ParseOptions) (p Path, rest string, err error) {
	return cutPath(s, opts, false)
}

// CutForwardPath is CutReversePath for a forward-path (RCPT TO:): the null
// path is refused with ErrNullPath and "<Postmaster>" is accepted.
func CutForwardPath(s string, opts ParseOptions) (p Path, rest string, err error) {
	return cutPath(s, opts, true)
}

func parseWholePath(s string, opts ParseOptions, forward bool) (Path, error) {
	path, rest, err := cutPath(s, opts, forward)
	if err != nil {
		return Path{}, err
	}
	if rest != "" {
		p := addrParser{s: s, pos: len(s) - len(rest), kind: pathKind(forward)}
		return Path{}, p.fail(p.pos, nil, "unexpected text after path")
	}
	return path, nil
}

func pathKind(forward bool) string {
	if forward {
		return "forward-path"
	}
	return "reverse-path"
}

func cutPath(s string, opts ParseOptions, forward bool) (Path, string, error) {
	p := addrParser{s: s, utf8: opts.UTF8, kind: pathKind(forward)}
	bare := !strings.HasPrefix(s, "<")
	limit := MaxPathLength
	if bare {
		if !opts.AllowBareAddress {
			return Path{}, "", p.fail(0, nil, "path must start with '<'")
		}
		limit -= len("<>") // so that String's bracketed form fits
	}
	path, err := p.path(forward, bare, limit)
	if err != nil {
		return Path{}, "", err
	}
	if p.pos > limit {
		return Path{}, "", p.fail(limit, ErrPathTooLong, "")
	}
	if p.pos < len(s) && s[p.pos] != ' ' {
		if bare {
			return Path{}, "", p.unexpected("domain")
		}
		return Path{}, "", p.fail(p.pos, nil, "path not followed by a space or the end of the line")
	}
	return path, s[p.pos:], nil
}

// path parses the path at p.pos, bracketed unless bare.
func (p *addrParser) path(forward, bare bool, limit int) (Path, error) {
	if !bare {
		p.pos++ // '<'
		if p.pos < len(p.s) && p.s[p.pos] == '>' {
			if forward {
				return Path{}, p.fail(0, ErrNullPath, "")
			}
			p.pos++
			return Path{}, nil
		}
	}
	if p.pos < len(p.s) && p.s[p.pos] == '@' {
		if err := p.sourceRoute(limit); err != nil {
			return Path{}, err
		}
	} else if forward && p.postmaster(bare) {
		pm := Path{Mailbox: Address{Local: p.s[p.pos-len("postmaster") : p.pos]}}
		return pm, p.closePath(bare)
	}
	mbox, err := p.mailbox()
	if err != nil {
		return Path{}, err
	}
	return Path{Mailbox: mbox}, p.closePath(bare)
}

// postmaster consumes the domain-less "Postmaster" of RCPT TO:<Postmaster>
// (RFC 5321 §4.1.1.3, case-insensitive) when it is there.
func (p *addrParser) postmaster(bare bool) bool {
	const pm = "postmaster"
	rest := p.s[p.pos:]
	if len(rest) < len(pm) || !strings.EqualFold(rest[:len(pm)], pm) {
		return false
	}
	rest = rest[len(pm):]
	if bare && rest != "" && rest[0] != ' ' || !bare && !strings.HasPrefix(rest, ">") {
		return false
	}
	p.pos += len(pm)
	return true
}

// closePath consumes the '>' that ends a bracketed path.
func (p *addrParser) closePath(bare bool) error {
	if bare {
		return nil
	}
	if p.pos >= len(p.s) {
		return p.fail(p.pos, nil, "missing '>' at end of path")
	}
	if p.s[p.pos] != '>' {
		return p.unexpected("domain")
	}
	p.pos++
	return nil
}

// sourceRoute parses and drops A-d-l ":" (RFC 5321 §4.1.2, Appendix C):
// "@" Domain *("," "@" Domain) ":". Like RFC 821, it also takes address
// literals, since the route is ignored anyway.
func (p *addrParser) sourceRoute(limit int) error {
	for {
		p.pos++ // '@'
		if _, err := p.host(); err != nil {
			return err
		}
		if p.pos > limit {
			return p.fail(limit, ErrPathTooLong, "")
		}
		if p.pos >= len(p.s) {
			return p.fail(p.pos, nil, "unterminated source route")
		}
		switch p.s[p.pos] {
		case ':':
			p.pos++
			return nil
		case ',':
			p.pos++
			if p.pos >= len(p.s) || p.s[p.pos] != '@' {
				return p.fail(p.pos, nil, "source route entry must start with '@'")
			}
		default:
			return p.unexpected("source route")
		}
	}
}
