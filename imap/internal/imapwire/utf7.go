package imapwire

import "github.com/mailstack/mailstack/internal/mutf7"

// ErrBadUTF7 reports a mailbox name that is not valid modified UTF-7
// (RFC 3501 §5.1.3). It is mutf7.ErrInvalid, which every error of
// DecodeUTF7 wraps.
var ErrBadUTF7 = mutf7.ErrInvalid

// EncodeUTF7 encodes a UTF-8 mailbox name in modified UTF-7 (RFC 3501
// §5.1.3), as mutf7.Encode does.
func EncodeUTF7(s string) string { return mutf7.Encode(s) }

// DecodeUTF7 decodes a modified UTF-7 mailbox name to UTF-8, strictly, as
// mutf7.Decode does. Errors wrap ErrBadUTF7.
func DecodeUTF7(s string) (string, error) { return mutf7.Decode(s) }
