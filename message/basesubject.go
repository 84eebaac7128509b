package message

import "strings"

// BaseSubject extracts the base subject of a Subject field (RFC 5256
// §2.1), what IMAP SORT and THREAD compare and what a mail reader groups a
// conversation by: "Re: [list] Fwd: Hello (fwd)" has the base subject
// "Hello". It reports whether a reply or forward marker ("Re:", "Fw:",
// "Fwd:", "(fwd)", "[fwd: …]") was removed, which THREAD needs
// (RFC 5256 §2.1 (7), §3 REFERENCES step 5).
//
// text is the field's decoded text (Field.Text, DecodeText): step (1)'s
// RFC 2047 decoding is the caller's, so that a comparator's canonical form
// (such as IMAP's i;unicode-casemap) can be applied first, as Dovecot does.
// The markers are matched ASCII case-insensitively; white space runs
// (SP, TAB, CR, LF) become one space; the result keeps the case of text.
// No allocation beyond one copy of text when it has white space to pack.
func BaseSubject(text string) (base string, replyOrForward bool) {
	s := packSpace(text) // step (1)
	for {
		s = trimTrailers(s, &replyOrForward) // step (2)
		for {                                // step (5): repeat (3) and (4)
			found := false
			if rest, ok := trimLeader(s, &replyOrForward); ok { // step (3)
				s, found = rest, true
			} else if rest, ok := trimBlobs(s); ok { // step (4)
				s, found = rest, true
			}
			if !found {
				break
			}
		}
		// Step (6): "[fwd: " subject "]" is a forward; go round again.
		if len(s) < 6 || !hasPrefixFold(s, "[fwd:") || s[len(s)-1] != ']' {
			return s, replyOrForward
		}
		s, replyOrForward = s[5:len(s)-1], true
	}
}

// packSpace turns every run of SP, TAB, CR and LF into one space.
func packSpace(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\r', '\n':
			if !space {
				b.WriteByte(' ')
			}
			space = true
		default:
			b.WriteByte(c)
			space = false
		}
	}
	return b.String()
}

// trimTrailers removes subj-trailer = "(fwd)" / WSP from the end, as often
// as it matches.
func trimTrailers(s string, fwd *bool) string {
	for {
		switch {
		case strings.HasSuffix(s, " "):
			s = s[:len(s)-1]
		case len(s) >= 5 && hasPrefixFold(s[len(s)-5:], "(fwd)"):
			s, *fwd = s[:len(s)-5], true
		default:
			return s
		}
	}
}

// trimLeader removes one subj-leader = (*subj-blob subj-refwd) / WSP,
// subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":".
func trimLeader(s string, fwd *bool) (string, bool) {
	if strings.HasPrefix(s, " ") {
		return s[1:], true
	}
	r := s
	for strings.HasPrefix(r, "[") {
		var ok bool
		if r, ok = trimBlob(r); !ok {
			return s, false
		}
	}
	switch {
	case hasPrefixFold(r, "re"):
		r = r[2:]
	case hasPrefixFold(r, "fwd"):
		r = r[3:]
	case hasPrefixFold(r, "fw"):
		r = r[2:]
	default:
		return s, false
	}
	r = strings.TrimPrefix(r, " ")
	if strings.HasPrefix(r, "[") {
		var ok bool
		if r, ok = trimBlob(r); !ok {
			return s, false
		}
	}
	if !strings.HasPrefix(r, ":") {
		return s, false
	}
	*fwd = true
	return r[1:], true
}

// trimBlobs is step (4) repeated while step (3) cannot match: once a
// subj-leader was not found after a run of blobs, it is not found after
// what remains of that run either, so the blobs go in one pass (one at a
// time, each followed by a new scan for a leader over the rest, is
// quadratic in their number). A blob whose removal would leave nothing
// stays.
func trimBlobs(s string) (string, bool) {
	found := false
	for {
		rest, ok := trimBlob(s)
		if !ok || rest == "" {
			return s, found
		}
		s, found = rest, true
	}
}

// trimBlob removes subj-blob = "[" *BLOBCHAR "]" *WSP from the start.
func trimBlob(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return s, false
	}
	end := strings.IndexAny(s[1:], "[]")
	if end < 0 || s[1+end] != ']' {
		return s, false
	}
	return strings.TrimPrefix(s[end+2:], " "), true
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// compared ASCII case-insensitively.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
