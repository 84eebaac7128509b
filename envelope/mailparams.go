package envelope

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxEnvIDLength is the longest ENVID value accepted, counted in octets
// of its xtext form (RFC 3461 §4.4 caps the ENVID at 100 characters).
const MaxEnvIDLength = 100

// BodyType is the value of the BODY parameter of MAIL.
type BodyType string

// BODY values. The zero BodyType means the parameter was not given, which
// RFC 6152 §2 says to treat as 7BIT.
const (
	Body7Bit       BodyType = "7BIT"       // RFC 6152 §2
	Body8BitMIME   BodyType = "8BITMIME"   // RFC 6152 §2
	BodyBinaryMIME BodyType = "BINARYMIME" // RFC 3030 §3
)

// DSNReturn is the value of the RET parameter of MAIL (RFC 3461 §4.3).
type DSNReturn string

// RET values. The zero DSNReturn means the parameter was not given.
const (
	ReturnFull    DSNReturn = "FULL" // return the whole message in a DSN
	ReturnHeaders DSNReturn = "HDRS" // return only the header section
)

// AuthUnknown is the AUTH= value "<>": the submitter is not known or not
// trusted to be authenticated (RFC 4954 §5).
const AuthUnknown = "<>"

// MailParams holds the parameters of a MAIL command with typed access to the
// standard ones. Parameters this package does not know are kept in Other,
// in the order they were sent.
type MailParams struct {
	// Size is the SIZE declared by the client (RFC 1870); meaningful only
	// when HasSize is set, since SIZE=0 is valid.
	Size    uint64
	HasSize bool
	// Body is the BODY parameter (RFC 6152, RFC 3030); empty when absent.
	Body BodyType
	// SMTPUTF8 reports the SMTPUTF8 parameter (RFC 6531 §3.4).
	SMTPUTF8 bool
	// Ret is the DSN RET parameter (RFC 3461 §4.3); empty when absent.
	Ret DSNReturn
	// EnvID is the DSN envelope identifier (RFC 3461 §4.4), decoded from
	// xtext; empty when absent. It holds printable ASCII only.
	EnvID string
	// Auth is the AUTH parameter (RFC 4954 §5), decoded from xtext: the
	// mailbox of the authenticated submitter, AuthUnknown ("<>"), or empty
	// when absent. The mailbox syntax itself is not checked here.
	Auth string
	// RequireTLS reports the REQUIRETLS parameter (RFC 8689 §3).
	RequireTLS bool
	// Other holds every other parameter, raw, in order.
	Other []Param
}

// ParseMailParams parses the parameters after MAIL FROM:<reverse-path>
// (RFC 5321 §4.1.1.2). UTF-8 is allowed in values only when the SMTPUTF8
// parameter is among them (RFC 6531 §3.3); whether the server advertised
// the extensions used is the caller's business. Errors are *ParamError.
func ParseMailParams(s string) (MailParams, error) {
	var mp MailParams
	params, err := ParseParamsUTF8(s)
	if err != nil {
		return mp, err
	}
	for _, p := range params {
		if strings.EqualFold(p.Keyword, "SMTPUTF8") {
			mp.SMTPUTF8 = true
		}
	}
	for _, p := range params {
		if !mp.SMTPUTF8 && hasNonASCII(p.Value) {
			return MailParams{}, &ParamError{Keyword: p.Keyword, Value: p.Value, Err: ErrParamSyntax}
		}
		if err := mp.set(p); err != nil {
			return MailParams{}, err
		}
	}
	return mp, nil
}

// set interprets one parameter; p has already passed the generic syntax.
func (mp *MailParams) set(p Param) error {
	kw := strings.ToUpper(p.Keyword)
	var err error
	switch kw {
	case "SIZE":
		mp.Size, err = parseSize(p.Value)
		mp.HasSize = err == nil
	case "BODY":
		mp.Body, err = parseBody(p.Value)
	case "SMTPUTF8":
		err = noValue(p.Value)
	case "REQUIRETLS":
		err = noValue(p.Value)
		mp.RequireTLS = err == nil
	case "RET":
		mp.Ret, err = parseRet(p.Value)
	case "ENVID":
		mp.EnvID, err = parseEnvID(p.Value)
	case "AUTH":
		mp.Auth, err = parseAuth(p.Value)
	default:
		mp.Other = append(mp.Other, p)
	}
	if err != nil {
		return &ParamError{Keyword: p.Keyword, Value: p.Value, Err: err}
	}
	return nil
}

// parseSize parses a SIZE value: RFC 1870 §3, size-value = 1*20DIGIT.
// Twenty digits can exceed 2^64-1; such values are rejected.
func parseSize(v string) (uint64, error) {
	if v == "" || len(v) > 20 {
		return 0, ErrParamValue
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, ErrParamValue
		}
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: SIZE overflows 64 bits", ErrParamValue)
	}
	return n, nil
}

func parseBody(v string) (BodyType, error) {
	for _, b := range []BodyType{Body7Bit, Body8BitMIME, BodyBinaryMIME} {
		if strings.EqualFold(v, string(b)) {
			return b, nil
		}
	}
	return "", ErrParamValue
}

func parseRet(v string) (DSNReturn, error) {
	for _, r := range []DSNReturn{ReturnFull, ReturnHeaders} {
		if strings.EqualFold(v, string(r)) {
			return r, nil
		}
	}
	return "", ErrParamValue
}

func noValue(v string) error {
	if v != "" {
		return fmt.Errorf("%w: parameter takes no value", ErrParamValue)
	}
	return nil
}

// parseEnvID decodes an ENVID: RFC 3461 §4.4, xtext of printable US-ASCII,
// at most MaxEnvIDLength characters.
func parseEnvID(v string) (string, error) {
	if v == "" || len(v) > MaxEnvIDLength {
		return "", ErrParamValue
	}
	id, err := DecodeXtext(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrParamValue, err)
	}
	if !isPrintableASCII(id) {
		return "", fmt.Errorf("%w: ENVID must be printable ASCII", ErrParamValue)
	}
	return id, nil
}

// parseAuth decodes AUTH=: RFC 4954 §5, the xtext of a mailbox or "<>".
func parseAuth(v string) (string, error) {
	if v == "" {
		return "", ErrParamValue
	}
	if v == AuthUnknown {
		return AuthUnknown, nil
	}
	m, err := DecodeXtext(v)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrParamValue, err)
	}
	if err := checkMailboxText(m); err != nil {
		return "", err
	}
	return m, nil
}

// checkMailboxText rejects decoded mailboxes that could never be valid and
// would be dangerous to log or re-emit: empty, control characters, or
// invalid UTF-8.
func checkMailboxText(m string) error {
	if m == "" || hasControl(m) || !utf8.ValidString(m) {
		return fmt.Errorf("%w: bad mailbox", ErrParamValue)
	}
	return nil
}

// Validate reports whether p can be written faithfully: known values for
// Body and Ret, an ENVID of printable ASCII within MaxEnvIDLength once
// encoded, a usable Auth, and Other parameters that are well-formed, not
// repeated, and not one of the keywords with a typed field.
func (p MailParams) Validate() error {
	if p.Body != "" {
		if _, err := parseBody(string(p.Body)); err != nil {
			return &ParamError{Keyword: "BODY", Value: string(p.Body), Err: err}
		}
	}
	if p.Ret != "" {
		if _, err := parseRet(string(p.Ret)); err != nil {
			return &ParamError{Keyword: "RET", Value: string(p.Ret), Err: err}
		}
	}
	if p.EnvID != "" {
		if _, err := parseEnvID(EncodeXtext(p.EnvID)); err != nil {
			return &ParamError{Keyword: "ENVID", Value: p.EnvID, Err: err}
		}
	}
	if p.Auth != "" && p.Auth != AuthUnknown {
		if err := checkMailboxText(p.Auth); err != nil {
			return &ParamError{Keyword: "AUTH", Value: p.Auth, Err: err}
		}
	}
	return validateOther(p.Other, p.SMTPUTF8, mailKeywords)
}

var mailKeywords = []string{"SIZE", "BODY", "SMTPUTF8", "RET", "ENVID", "AUTH", "REQUIRETLS"}

// validateOther checks extra parameters for syntax and duplicates.
func validateOther(other []Param, allowUTF8 bool, known []string) error {
	for i, o := range other {
		if !o.Valid(allowUTF8) {
			return &ParamError{Keyword: o.Keyword, Value: o.Value, Err: ErrParamSyntax}
		}
		if containsFold(known, o.Keyword) || containsParam(other[:i], o.Keyword) {
			return &ParamError{Keyword: o.Keyword, Value: o.Value, Err: ErrParamDuplicate}
		}
	}
	return nil
}

func containsFold(list []string, kw string) bool {
	for _, k := range list {
		if strings.EqualFold(k, kw) {
			return true
		}
	}
	return false
}

func containsParam(list []Param, kw string) bool {
	for _, p := range list {
		if strings.EqualFold(p.Keyword, kw) {
			return true
		}
	}
	return false
}

// Params returns p as a parameter list in a fixed order (SIZE, BODY,
// SMTPUTF8, RET, ENVID, AUTH, REQUIRETLS, then Other), values encoded.
// Fields that fail Validate are left out rather than written corrupt.
func (p MailParams) Params() []Param {
	var out []Param
	if p.HasSize {
		out = append(out, Param{"SIZE", strconv.FormatUint(p.Size, 10)})
	}
	if b, err := parseBody(string(p.Body)); err == nil {
		out = append(out, Param{"BODY", string(b)})
	}
	if p.SMTPUTF8 {
		out = append(out, Param{Keyword: "SMTPUTF8"})
	}
	if r, err := parseRet(string(p.Ret)); err == nil {
		out = append(out, Param{"RET", string(r)})
	}
	if v := EncodeXtext(p.EnvID); p.EnvID != "" {
		if _, err := parseEnvID(v); err == nil {
			out = append(out, Param{"ENVID", v})
		}
	}
	switch {
	case p.Auth == AuthUnknown:
		out = append(out, Param{"AUTH", AuthUnknown})
	case p.Auth != "" && checkMailboxText(p.Auth) == nil:
		out = append(out, Param{"AUTH", EncodeXtext(p.Auth)})
	}
	if p.RequireTLS {
		out = append(out, Param{Keyword: "REQUIRETLS"})
	}
	return appendOther(out, p.Other, p.SMTPUTF8, mailKeywords)
}

// appendOther appends the valid, non-duplicate extra parameters.
func appendOther(out, other []Param, allowUTF8 bool, known []string) []Param {
	for i, o := range other {
		if o.Valid(allowUTF8) && !containsFold(known, o.Keyword) && !containsParam(other[:i], o.Keyword) {
			out = append(out, o)
		}
	}
	return out
}

// String formats p as it follows the reverse-path on a MAIL command, for
// example "SIZE=1024 BODY=8BITMIME". See Params for what is left out.
func (p MailParams) String() string {
	return FormatParams(p.Params())
}
