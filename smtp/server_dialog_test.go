package smtp

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServerDialogs replays the transcripts in testdata/dialogs. Each file
// starts with a comment naming the RFC rule it checks, then has lines:
//
//	! option ...    server options: auth, all, insecure-auth, require-auth,
//	                maxrcpt=N, maxerrors=N, size=N, maxline=N
//	C: line         send line+CRLF, then read a reply for the next S: line
//	W: line         send line+CRLF without reading (pipelining, data)
//	R: text         send text with \r, \n and \0 escapes and no CRLF added
//	S: prefix       read a reply; "code enhanced text" must start with prefix
//	X: closed       the server has closed the connection
//	M: N            the backend has received N messages so far
func TestServerDialogs(t *testing.T) {
	files, err := filepath.Glob("testdata/dialogs/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dialogs: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			runDialog(t, string(data))
		})
	}
}

func runDialog(t *testing.T, script string) {
	lines := strings.Split(script, "\n")
	be := &srvBackend{users: map[string]string{"alice": "secret"}}
	srv := &Server{Backend: be}
	i := 0
	for ; i < len(lines) && (strings.HasPrefix(lines[i], "#") || strings.HasPrefix(lines[i], "!")); i++ {
		if strings.HasPrefix(lines[i], "!") {
			applyDialogOptions(t, srv, be, strings.Fields(lines[i][1:]))
		}
	}
	addr := srvStart(t, srv)
	c, greeting := srvDial(t, addr)
	if greeting.Code != 220 {
		t.Fatalf("greeting %q", greeting.Error())
	}
	for n, line := range lines[i:] {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := "line " + strconv.Itoa(i+n+1) + ": " + line
		kind, text, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: malformed", where)
		}
		switch kind {
		case "C", "W":
			c.send(text + "\r\n")
		case "R":
			c.send(unescapeDialog(text))
		case "S":
			if got := c.read().Error(); !strings.HasPrefix(got, text) {
				t.Fatalf("%s: got %q", where, got)
			}
		case "X":
			if !c.closed() {
				t.Fatalf("%s: connection still open", where)
			}
		case "M":
			want, _ := strconv.Atoi(text)
			if got := len(be.messages()); got != want {
				t.Fatalf("%s: backend has %d messages", where, got)
			}
		default:
			t.Fatalf("%s: unknown line kind", where)
		}
	}
}

func applyDialogOptions(t *testing.T, srv *Server, be *srvBackend, opts []string) {
	for _, o := range opts {
		name, val, _ := strings.Cut(o, "=")
		n, _ := strconv.Atoi(val)
		switch name {
		case "auth", "all":
			be.features = name
		case "insecure-auth":
			srv.AllowInsecureAuth = true
		case "require-auth":
			srv.RequireAuth = true
		case "maxrcpt":
			srv.Limits.MaxRecipients = n
		case "maxerrors":
			srv.Limits.MaxErrors = n
		case "size":
			srv.Limits.MaxMessageBytes = int64(n)
		case "maxline":
			srv.Limits.MaxLineLength = n
		case "dataline":
			srv.Limits.MaxDataLineLength = n
		default:
			t.Fatalf("unknown option %q", o)
		}
	}
}

// unescapeDialog turns \r, \n, \0 and \\ into octets.
func unescapeDialog(s string) string {
	r := strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\0`, "\x00", `\\`, `\`)
	return r.Replace(s)
}
