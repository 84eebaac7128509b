package envelope

import (
	"fmt"
	"strings"
)

// MaxORCPTLength is the longest ORCPT value accepted, in octets of its
// encoded form after "ORCPT=" (RFC 3461 §4.2 allows 500 characters).
const MaxORCPTLength = 500

// NotifyFlags is the value of the DSN NOTIFY parameter of RCPT (RFC 3461
// §4.1). The zero value means the parameter was not given.
type NotifyFlags uint8

// NOTIFY values. NotifyNever excludes the others.
const (
	NotifyNever NotifyFlags = 1 << iota
	NotifySuccess
	NotifyFailure
	NotifyDelay
)

var notifyNames = []struct {
	flag NotifyFlags
	name string
}{
	{NotifySuccess, "SUCCESS"},
	{NotifyFailure, "FAILURE"},
	{NotifyDelay, "DELAY"},
}

// String formats f as a NOTIFY value such as "SUCCESS,DELAY" or "NEVER".
// It returns "" for the zero value and for invalid combinations (NEVER
// with anything else, or unknown bits).
func (f NotifyFlags) String() string {
	if !f.valid() {
		return ""
	}
	if f == NotifyNever {
		return "NEVER"
	}
	var parts []string
	for _, n := range notifyNames {
		if f&n.flag != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

func (f NotifyFlags) valid() bool {
	const all = NotifyNever | NotifySuccess | NotifyFailure | NotifyDelay
	return f != 0 && f&^all == 0 && (f == NotifyNever || f&NotifyNever == 0)
}

// parseNotify parses RFC 3461 §4.1: "NEVER" / notify-list-element
// *("," notify-list-element), case-insensitively. Repeated elements are
// tolerated, since their meaning is plain.
func parseNotify(v string) (NotifyFlags, error) {
	var f NotifyFlags
	for _, el := range strings.Split(v, ",") {
		switch {
		case strings.EqualFold(el, "NEVER"):
			f |= NotifyNever
		case strings.EqualFold(el, "SUCCESS"):
			f |= NotifySuccess
		case strings.EqualFold(el, "FAILURE"):
			f |= NotifyFailure
		case strings.EqualFold(el, "DELAY"):
			f |= NotifyDelay
		default:
			return 0, ErrParamValue
		}
	}
	if !f.valid() {
		return 0, fmt.Errorf("%w: NEVER must stand alone", ErrParamValue)
	}
	return f, nil
}

// OriginalRecipient is the DSN ORCPT parameter (RFC 3461 §4.2): an address
// type and the original recipient address, decoded.
type OriginalRecipient struct {
	// AddrType is the address type as sent, typically "rfc822" or
	// "utf-8" (RFC 6533 §3); it compares case-insensitively.
	AddrType string
	// Addr is the decoded address. For "utf-8" it is UTF-8 text; for other
	// types it is printable ASCII (RFC 3461 §4.2).
	Addr string
}

// IsUTF8 reports whether the address type is "utf-8" (RFC 6533 §3).
func (o OriginalRecipient) IsUTF8() bool {
	return strings.EqualFold(o.AddrType, "utf-8")
}

// Encode formats o as an ORCPT value: addr-type ";" encoded address. The
// "utf-8" type uses utf-8-addr-unitext when smtputf8 is set and the 7-bit
// utf-8-addr-xtext otherwise (RFC 6533 §3); other types use xtext.
func (o OriginalRecipient) Encode(smtputf8 bool) string {
	switch {
	case !o.IsUTF8():
		return o.AddrType + ";" + EncodeXtext(o.Addr)
	case smtputf8:
		return o.AddrType + ";" + EncodeUTF8AddrUnitext(o.Addr)
	}
	return o.AddrType + ";" + EncodeUTF8AddrXtext(o.Addr)
}

// parseORCPT parses RFC 3461 §4.2: addr-type ";" xtext, where addr-type
// is an atom, and the "utf-8" type of RFC 6533 §3, whose address is
// utf-8-addr-xtext or utf-8-addr-unitext.
func parseORCPT(v string) (*OriginalRecipient, error) {
	if len(v) > MaxORCPTLength {
		return nil, fmt.Errorf("%w: ORCPT longer than %d", ErrParamValue, MaxORCPTLength)
	}
	typ, enc, ok := strings.Cut(v, ";")
	// "=" is atext but can never appear in an esmtp-value.
	if !ok || !isAtom(typ) || strings.IndexByte(typ, '=') >= 0 || enc == "" {
		return nil, ErrParamValue
	}
	o := &OriginalRecipient{AddrType: typ}
	var err error
	if o.IsUTF8() {
		o.Addr, err = DecodeUTF8Addr(enc)
		if err == nil && hasControl(o.Addr) {
			err = fmt.Errorf("control character in address")
		}
	} else {
		o.Addr, err = DecodeXtext(enc)
		if err == nil && !isPrintableASCII(o.Addr) {
			err = fmt.Errorf("address must be printable ASCII")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParamValue, err)
	}
	return o, nil
}

// isAtom reports whether s is an RFC 5322 §3.2.3 atom (1*atext).
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is RFC 5322 §3.2.3 atext.
func isAtext(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// RcptParams holds the parameters of a RCPT command with typed access to
// the standard ones; others are kept in Other, in order.
type RcptParams struct {
	// Notify is the DSN NOTIFY parameter (RFC 3461 §4.1); zero when absent.
	Notify NotifyFlags
	// ORCPT is the DSN original recipient (RFC 3461 §4.2); nil when absent.
	ORCPT *OriginalRecipient
	// Other holds every other parameter, raw, in order.
	Other []Param
}

var rcptKeywords = []string{"NOTIFY", "ORCPT"}

// ParseRcptParams parses the parameters after RCPT TO:<forward-path> (RFC
// 5321 §4.1.1.3). smtputf8 reports whether the transaction's MAIL command
// carried SMTPUTF8; only then may values hold UTF-8 (RFC 6531 §3.3).
// Errors are *ParamError.
func ParseRcptParams(s string, smtputf8 bool) (RcptParams, error) {
	var rp RcptParams
	params, err := parseParams(s, smtputf8)
	if err != nil {
		return rp, err
	}
	for _, p := range params {
		switch strings.ToUpper(p.Keyword) {
		case "NOTIFY":
			rp.Notify, err = parseNotify(p.Value)
		case "ORCPT":
			rp.ORCPT, err = parseORCPT(p.Value)
		default:
			rp.Other = append(rp.Other, p)
		}
		if err != nil {
			return RcptParams{}, &ParamError{Keyword: p.Keyword, Value: p.Value, Err: err}
		}
	}
	return rp, nil
}

// Validate reports whether p can be written faithfully in a session where
// SMTPUTF8 is in effect or not: a valid Notify combination, an ORCPT whose
// type is an atom and whose encoded form parses back within
// MaxORCPTLength, and well-formed, unrepeated Other parameters.
func (p RcptParams) Validate(smtputf8 bool) error {
	if p.Notify != 0 && !p.Notify.valid() {
		return &ParamError{Keyword: "NOTIFY", Err: ErrParamValue}
	}
	if p.ORCPT != nil {
		v := p.ORCPT.Encode(smtputf8)
		if o, err := parseORCPT(v); err != nil || *o != *p.ORCPT {
			if err == nil {
				err = ErrParamValue
			}
			return &ParamError{Keyword: "ORCPT", Value: v, Err: err}
		}
	}
	return validateOther(p.Other, smtputf8, rcptKeywords)
}

// Params returns p as a parameter list (NOTIFY, ORCPT, then Other), values
// encoded for a session with or without SMTPUTF8. Fields that fail
// Validate are left out rather than written corrupt.
func (p RcptParams) Params(smtputf8 bool) []Param {
	var out []Param
	if s := p.Notify.String(); s != "" {
		out = append(out, Param{"NOTIFY", s})
	}
	if p.ORCPT != nil {
		v := p.ORCPT.Encode(smtputf8)
		if o, err := parseORCPT(v); err == nil && *o == *p.ORCPT {
			out = append(out, Param{"ORCPT", v})
		}
	}
	return appendOther(out, p.Other, smtputf8, rcptKeywords)
}

// Format formats p as it follows the forward-path on a RCPT command.
func (p RcptParams) Format(smtputf8 bool) string {
	return FormatParams(p.Params(smtputf8))
}

// String formats p for a session without SMTPUTF8 (7-bit ORCPT).
func (p RcptParams) String() string {
	return p.Format(false)
}
