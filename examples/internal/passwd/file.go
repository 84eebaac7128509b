package passwd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Limits of Read: a longer line or file is refused.
const (
	MaxLineLen  = 64 << 10 // octets in one line
	MaxFileSize = 16 << 20 // octets in the file
)

// ErrSyntax is wrapped by the error for a line that is not
// "user:password", or whose user name Options.DirNames refuses.
var ErrSyntax = errors.New("malformed line")

// Options say how a program reads its passwd-file. The zero value (or a
// nil *Options) works.
type Options struct {
	// BarePlain takes a password without a {SCHEME} prefix as PLAIN,
	// as Dovecot does with default_pass_scheme = PLAIN. By default such
	// a password is refused with ErrNoScheme, unless it is a bcrypt
	// hash, which is taken as BLF-CRYPT either way.
	BarePlain bool
	// DirNames refuses user names that SafeDirName refuses, for programs
	// that keep each user's mail in a directory named after the user.
	// By default any non-empty name is taken.
	DirNames bool
	// User checks a user name and returns the name to keep it under,
	// such as a canonical address; its error is reported with the file
	// and line. By default the name is kept as written.
	User func(name string) (string, error)
	// Form is the shape of a line, named in the error for a line without
	// ":". Default "user:{SCHEME}password".
	Form string
}

// LineError locates an error of Read, Load, Open or Reload in the file.
type LineError struct {
	Path string // the file name given
	Line int    // 1-based; 0 for the file as a whole
	Err  error
}

// Error formats the error as "path:line: error".
func (e *LineError) Error() string {
	if e.Line == 0 {
		return e.Path + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

// Unwrap returns the error found on the line.
func (e *LineError) Unwrap() error { return e.Err }

// ParseLine reads one line of a passwd-file. A blank line or a comment
// gives user "" and no error. The password ends at the next ":", as in
// Dovecot; surrounding white space of the line is ignored.
func ParseLine(line string, o *Options) (user string, s Secret, err error) {
	if o == nil {
		o = &Options{}
	}
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return "", Secret{}, nil
	}
	user, rest, ok := strings.Cut(line, ":")
	if !ok {
		form := o.Form
		if form == "" {
			form = "user:{SCHEME}password"
		}
		return "", Secret{}, fmt.Errorf("%w: want %q", ErrSyntax, form)
	}
	if user == "" {
		return "", Secret{}, fmt.Errorf("%w: empty user name", ErrSyntax)
	}
	if o.DirNames && !SafeDirName(user) {
		return "", Secret{}, fmt.Errorf("%w: user %q cannot name a directory", ErrSyntax, user)
	}
	if o.User != nil {
		if user, err = o.User(user); err != nil {
			return "", Secret{}, err
		}
	}
	pass, _, _ := strings.Cut(rest, ":")
	s, err = ParseSecret(pass)
	if errors.Is(err, ErrNoScheme) && o.BarePlain && !strings.HasPrefix(pass, "{") {
		s, err = Secret{Scheme: Plain, Value: pass}, nil
	}
	if err != nil {
		return "", Secret{}, fmt.Errorf("%s: %w", user, err)
	}
	return user, s, nil
}

// Read reads a passwd-file from r; name is the file name for errors,
// which are *LineError. A user listed twice (after Options.User) is an
// error, as either password would be a guess.
func Read(r io.Reader, name string, o *Options) (map[string]Secret, error) {
	users := map[string]Secret{}
	lr := &io.LimitedReader{R: r, N: MaxFileSize + 1}
	tooBig := &LineError{Path: name, Err: fmt.Errorf("larger than %d octets", MaxFileSize)}
	sc := bufio.NewScanner(lr)
	sc.Buffer(make([]byte, 4096), MaxLineLen)
	n := 0
	for sc.Scan() {
		n++
		if lr.N == 0 {
			return nil, tooBig
		}
		user, s, err := ParseLine(sc.Text(), o)
		if err != nil {
			return nil, &LineError{Path: name, Line: n, Err: err}
		}
		if user == "" {
			continue
		}
		if _, dup := users[user]; dup {
			return nil, &LineError{Path: name, Line: n, Err: fmt.Errorf("%s is listed twice", user)}
		}
		users[user] = s
	}
	if err := sc.Err(); err != nil {
		return nil, &LineError{Path: name, Line: n + 1, Err: err}
	}
	if lr.N == 0 {
		return nil, tooBig
	}
	return users, nil
}

// Load reads the passwd-file at path.
func Load(path string, o *Options) (map[string]Secret, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path, o)
}

// SafeDirName reports whether a user name can name one directory under a
// root: not empty, ".", or "..", at most 255 octets, without "/", "\" or
// control characters.
func SafeDirName(u string) bool {
	if u == "" || u == "." || u == ".." || len(u) > 255 {
		return false
	}
	for _, r := range u {
		if r == '/' || r == '\\' || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
