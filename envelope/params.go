package envelope

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxParams is the most ESMTP parameters ParseParams accepts on one MAIL or
// RCPT command. Real clients send a handful; the cap bounds the work a
// hostile line can cause beyond what the command line limit already does.
const MaxParams = 64

// Errors wrapped by ParamError. All of them are syntax errors in the sense
// of RFC 5321 §4.2.4: a server answers them with 501 5.5.4. Whether an
// unknown but well-formed parameter deserves 555 5.5.4 is the server's
// decision; the parsers here keep such parameters in Other.
var (
	// ErrParamSyntax reports a malformed esmtp-param (RFC 5321 §4.1.2).
	ErrParamSyntax = errors.New("envelope: malformed ESMTP parameter")
	// ErrParamDuplicate reports a keyword given twice (RFC 5321 §4.1.2:
	// each parameter may appear at most once on a command).
	ErrParamDuplicate = errors.New("envelope: duplicate ESMTP parameter")
	// ErrParamValue reports a well-formed parameter whose value the
	// defining extension does not allow, a missing value, or a value given
	// to a keyword that takes none.
	ErrParamValue = errors.New("envelope: invalid ESMTP parameter value")
	// ErrParamTooMany reports more than MaxParams parameters.
	ErrParamTooMany = errors.New("envelope: too many ESMTP parameters")
)

// ParamError describes a parameter that could not be parsed. Err is one of
// the ErrParam sentinels, possibly wrapping a more precise cause such as
// ErrXtextSyntax; use errors.Is to classify it.
type ParamError struct {
	Keyword string // the keyword as sent, or "" when none could be read
	Value   string // the raw value as sent, if any
	Err     error
}

// Error implements error. Values are quoted so hostile input cannot forge
// log lines.
func (e *ParamError) Error() string {
	switch {
	case e.Keyword == "":
		return e.Err.Error()
	case e.Value == "":
		return fmt.Sprintf("%v: %q", e.Err, e.Keyword)
	}
	return fmt.Sprintf("%v: %q=%q", e.Err, e.Keyword, e.Value)
}

// Unwrap returns the underlying error.
func (e *ParamError) Unwrap() error { return e.Err }

// Param is one esmtp-param of a MAIL or RCPT command (RFC 5321 §4.1.2):
// esmtp-keyword ["=" esmtp-value].
type Param struct {
	// Keyword is the esmtp-keyword as sent; keywords compare
	// case-insensitively.
	Keyword string
	// Value is the raw esmtp-value, still encoded (for example as xtext).
	// It is empty when the parameter has no value: the grammar does not
	// allow an empty value, so "KEYWORD=" is a syntax error.
	Value string
}

// String formats the parameter as keyword[=value].
func (p Param) String() string {
	if p.Value == "" {
		return p.Keyword
	}
	return p.Keyword + "=" + p.Value
}

// Valid reports whether p can be written on a command line: a valid
// esmtp-keyword and an empty or valid esmtp-value. UTF-8 values are
// accepted when allowUTF8 is set (RFC 6531 §3.3).
func (p Param) Valid(allowUTF8 bool) bool {
	return isKeyword(p.Keyword) && (p.Value == "" || isValue(p.Value, allowUTF8))
}

// ParseParams parses the parameters that follow the path of a MAIL or RCPT
// command (RFC 5321 §4.1.2, Mail-parameters and Rcpt-parameters). Leading,
// trailing and repeated spaces are tolerated. Values must be printable
// ASCII without "=" (esmtp-value); see ParseParamsUTF8 for SMTPUTF8
// transactions. A keyword given twice, compared case-insensitively, is an
// error wrapping ErrParamDuplicate. An empty s yields no parameters.
func ParseParams(s string) ([]Param, error) {
	return parseParams(s, false)
}

// ParseParamsUTF8 is like ParseParams but also accepts UTF-8 in values, as
// RFC 6531 §3.3 allows once the transaction uses SMTPUTF8. The value must
// be valid UTF-8; its ASCII characters follow the esmtp-value rules.
func ParseParamsUTF8(s string) ([]Param, error) {
	return parseParams(s, true)
}

func parseParams(s string, allowUTF8 bool) ([]Param, error) {
	var params []Param
	for len(s) > 0 {
		if s[0] == ' ' {
			s = s[1:]
			continue
		}
		tok := s
		if i := strings.IndexByte(s, ' '); i >= 0 {
			tok, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if len(params) == MaxParams {
			return nil, &ParamError{Err: ErrParamTooMany}
		}
		p, err := parseParam(tok, allowUTF8)
		if err != nil {
			return nil, err
		}
		for _, q := range params {
			if strings.EqualFold(q.Keyword, p.Keyword) {
				return nil, &ParamError{Keyword: p.Keyword, Value: p.Value, Err: ErrParamDuplicate}
			}
		}
		params = append(params, p)
	}
	return params, nil
}

func parseParam(tok string, allowUTF8 bool) (Param, error) {
	kw, val, hasValue := strings.Cut(tok, "=")
	p := Param{Keyword: kw, Value: val}
	if !isKeyword(kw) {
		return p, &ParamError{Keyword: kw, Value: val, Err: ErrParamSyntax}
	}
	if hasValue && !isValue(val, allowUTF8) {
		return p, &ParamError{Keyword: kw, Value: val, Err: ErrParamSyntax}
	}
	return p, nil
}

// isKeyword reports whether s is an esmtp-keyword (RFC 5321 §4.1.2):
// (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func isKeyword(s string) bool {
	if s == "" || !isAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isValue reports whether s is an esmtp-value: RFC 5321 §4.1.2,
// 1*(%d33-60 / %d62-126), extended with UTF-8 by RFC 6531 §3.3 when allowUTF8.
func isValue(s string, allowUTF8 bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			if !allowUTF8 {
				return false
			}
			continue
		}
		if c < 33 || c > 126 || c == '=' {
			return false
		}
	}
	return !allowUTF8 || utf8.ValidString(s)
}

// FormatParams formats params as they follow the path on a command line,
// separated by single spaces, without a leading space. Parameters that
// fail Param.Valid(true) are left out, so the result can never split or
// corrupt the command line; callers that must not lose parameters check
// Valid first.
func FormatParams(params []Param) string {
	var b strings.Builder
	for _, p := range params {
		if !p.Valid(true) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Keyword)
		if p.Value != "" {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// hasNonASCII reports whether s holds an octet outside US-ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// isPrintableASCII reports whether s holds only printable US-ASCII
// characters and spaces (%d32-126), the repertoire RFC 3461 §4.2 and §4.4
// allow for ORCPT addresses and ENVID values once decoded.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			return false
		}
	}
	return true
}

// hasControl reports whether s holds a C0 control character or DEL.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] == 127 {
			return true
		}
	}
	return false
}
