package maildir

import (
	"fmt"

	"github.com/mailstack/mailstack/internal/mutf7"
	"github.com/mailstack/mailstack/store"
)

// Delimiter is the hierarchy separator of mailbox names, as in Dovecot's
// default Maildir++ layout: folder "Lists.Go" lives in directory
// ".Lists.Go" under the root.
const Delimiter = '.'

// EncodeFolderName returns the directory name (without the leading '.')
// that holds the mailbox name, encoding it in modified UTF-7 (RFC 3501
// §5.1.3) as Dovecot does on disk by default. The name is validated first
// (store.ValidateName), so no result can contain '/' or escape the root.
func EncodeFolderName(name string) (string, error) {
	if err := store.ValidateName(name, Delimiter); err != nil {
		return "", err
	}
	if store.IsInbox(name) {
		return "", fmt.Errorf("%w: INBOX is the root", store.ErrInvalidName)
	}
	return mutf7.Encode(name), nil
}

// DecodeFolderName is the inverse of EncodeFolderName: it decodes a
// directory name (without the leading '.') into a mailbox name. A name
// that is not strictly modified UTF-7 (RFC 3501 §5.1.3) is an error, so
// that two directories never hold one mailbox.
func DecodeFolderName(dir string) (string, error) {
	name, err := mutf7.Decode(dir)
	if err != nil {
		return "", fmt.Errorf("maildir: folder directory %q: %w", dir, err)
	}
	if err := store.ValidateName(name, Delimiter); err != nil {
		return "", err
	}
	return name, nil
}
