package storetest

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailstack/mailstack/store"
)

// errReader fails after giving part of a message.
type errReader struct{ n int }

var errBroken = errors.New("storetest: connection broke")

func (r *errReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errBroken
	}
	n := copy(p, strings.Repeat("x", min(len(p), r.n)))
	r.n -= n
	return n, nil
}

// RFC 3502: MULTIAPPEND adds every message or none, for stores whose
// mailboxes implement store.MultiAppender. The messages stream: each
// body is read before the next one is asked for.
func testAppendMulti(t *testing.T, s store.Store) {
	mb := open(t, s, "INBOX")
	ma, ok := mb.(store.MultiAppender)
	if !ok {
		t.Skip("mailbox does not implement store.MultiAppender")
	}
	appendMsg(t, mb, msg(0))
	date := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	var bodies []*strings.Reader
	calls := 0
	next := func(msgs ...store.AppendMessage) func() (*store.AppendMessage, error) {
		calls = 0
		return func() (*store.AppendMessage, error) {
			for _, b := range bodies {
				if b.Len() > 0 {
					t.Fatal("next called before the previous body was read")
				}
			}
			if calls == len(msgs) {
				return nil, io.EOF
			}
			calls++
			m := &msgs[calls-1]
			if r, ok := m.Body.(*strings.Reader); ok {
				bodies = append(bodies, r)
			}
			return m, nil
		}
	}
	res, err := ma.AppendMulti(ctx, next(
		store.AppendMessage{Body: strings.NewReader(msg(1)), Options: &store.AppendOptions{Flags: []string{store.FlagSeen}, InternalDate: date}},
		store.AppendMessage{Body: strings.NewReader(msg(2))},
		store.AppendMessage{Body: strings.NewReader(msg(3)), Options: &store.AppendOptions{Flags: []string{"$Label"}}},
	))
	if err != nil || len(res) != 3 {
		t.Fatalf("AppendMulti: %v, %d results", err, len(res))
	}
	for i, r := range res {
		if i > 0 && r.UID <= res[i-1].UID {
			t.Errorf("UIDs not ascending: %+v", res)
		}
		if got := readAll(t, mb, r.UID); got != msg(i+1) {
			t.Errorf("message %d reads %q", i+1, got)
		}
	}
	infos := list(t, mb)
	if len(infos) != 4 || !infos[1].HasFlag(store.FlagSeen) || !infos[1].InternalDate.Equal(date) || !infos[3].HasFlag("$Label") {
		t.Fatalf("after AppendMulti: %+v", infos)
	}
	before := uids(infos)
	failures := []struct {
		what string
		msgs []store.AppendMessage
		want error
	}{
		{"body fails", []store.AppendMessage{{Body: strings.NewReader(msg(4))}, {Body: &errReader{n: 10}}, {Body: strings.NewReader(msg(5))}}, errBroken},
		{"bad flag", []store.AppendMessage{{Body: strings.NewReader(msg(4))}, {Body: strings.NewReader(msg(5)), Options: &store.AppendOptions{Flags: []string{"bad flag"}}}}, store.ErrInvalidFlag},
	}
	for _, f := range failures {
		_, err := ma.AppendMulti(ctx, next(f.msgs...))
		wantErr(t, f.what, err, f.want)
		if got := uids(list(t, mb)); !equalUIDs(got, before) {
			t.Errorf("%s: messages %v after a failed AppendMulti, want %v", f.what, got, before)
		}
	}
	// An error from next itself: nothing added, the error returned as
	// is, next not called again.
	n := 0
	errNext := errors.New("storetest: syntax error in the third message")
	_, err = ma.AppendMulti(ctx, func() (*store.AppendMessage, error) {
		n++
		if n == 3 {
			return nil, errNext
		}
		if n > 3 {
			t.Fatal("next called after it failed")
		}
		return &store.AppendMessage{Body: strings.NewReader(msg(10 + n))}, nil
	})
	if err != errNext && !errors.Is(err, errNext) {
		t.Errorf("next's error: got %v", err)
	}
	if got := uids(list(t, mb)); !equalUIDs(got, before) {
		t.Errorf("messages %v after next failed, want %v", got, before)
	}
	// Nothing to append is not an error.
	if res, err := ma.AppendMulti(ctx, store.AppendMessages()); err != nil || len(res) != 0 {
		t.Errorf("empty AppendMulti: %v %v", res, err)
	}
}

func equalUIDs(a, b []store.UID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
