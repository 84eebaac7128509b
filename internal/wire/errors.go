package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors. The typed errors below match them with errors.Is, so a
// caller that only needs the category can write
// errors.Is(err, wire.ErrLineTooLong) and one that needs the details can use
// errors.As with the typed error.
var (
	// ErrLineTooLong is matched by *LineTooLongError.
	ErrLineTooLong = errors.New("wire: line too long")

	// ErrBareLineEnding is matched by *BareLineEndingError.
	ErrBareLineEnding = errors.New("wire: bare CR or LF")

	// ErrDataTooLarge is matched by *TooLargeError.
	ErrDataTooLarge = errors.New("wire: data too large")

	// ErrNUL reports a NUL octet in a line read by a LineReader whose
	// RejectNUL field is set.
	ErrNUL = errors.New("wire: NUL octet in line")

	// ErrClosed is returned by DataWriter.Write after Close.
	ErrClosed = errors.New("wire: write to closed DataWriter")
)

// LineTooLongError reports a line longer than the limit in force. The
// over-long line has been consumed in full (up to and including its LF), so
// the stream is still in sync: the next read returns the following line.
type LineTooLongError struct {
	// Limit is the limit that was exceeded, in octets including the
	// line's CRLF (RFC 5321 §4.5.3.1 counts the same way).
	Limit int
}

// Error describes the error.
func (e *LineTooLongError) Error() string {
	return fmt.Sprintf("wire: line longer than %d octets", e.Limit)
}

// Is reports whether target is ErrLineTooLong.
func (e *LineTooLongError) Is(target error) bool { return target == ErrLineTooLong }

// BareLineEndingError reports a CR not followed by LF, or an LF not preceded
// by CR. RFC 5321 §2.3.8 allows only CRLF as a line ending; accepting bare
// ones lets a sender smuggle a second message past a filtering relay
// (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766).
type BareLineEndingError struct {
	// Char is the offending octet: '\r' or '\n'.
	Char byte
	// Offset is the octet's position: within the line for a LineReader,
	// from the start of the data (the octet after the DATA command's CRLF)
	// for a DataReader, and from the first octet written for a DataWriter.
	Offset int64
}

// Error describes the error.
func (e *BareLineEndingError) Error() string {
	name := "LF"
	if e.Char == '\r' {
		name = "CR"
	}
	return fmt.Sprintf("wire: bare %s at offset %d (only CRLF ends a line)", name, e.Offset)
}

// Is reports whether target is ErrBareLineEnding.
func (e *BareLineEndingError) Is(target error) bool { return target == ErrBareLineEnding }

// TooLargeError reports data larger than DataOptions.MaxSize. The DataReader
// stopped delivering octets at the limit but read on to the terminating
// CRLF.CRLF, so the stream is still in sync.
type TooLargeError struct {
	// Limit is the maximum size that was exceeded, in octets.
	Limit int64
}

// Error describes the error.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("wire: data larger than %d octets", e.Limit)
}

// Is reports whether target is ErrDataTooLarge.
func (e *TooLargeError) Is(target error) bool { return target == ErrDataTooLarge }
