package imap

import (
	"bytes"
	"slices"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestGoIMAPClient exercises the advertised extensions with go-imap v2's
// client, whose parser is strict about the wire syntax.
func TestGoIMAPClient(t *testing.T) {
	ts := newTestServer(t, nil)
	exists := make(chan uint32, 16)
	c, err := imapclient.DialInsecure(ts.addr, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("u", "pass").Wait(); err != nil {
		t.Fatal(err)
	}
	checkCaps(t, c)
	goimapMessages(t, ts, c, exists)
}

// goimapLogin connects go-imap v2's client to addr and logs in as the
// test user; the connection is closed when the test ends.
func goimapLogin(t *testing.T, addr string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("u", "pass").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func checkCaps(t *testing.T, c *imapclient.Client) {
	caps := c.Caps()
	for _, want := range []goimap.Cap{goimap.CapIMAP4rev2, goimap.CapIdle, goimap.CapUIDPlus, goimap.CapMove,
		goimap.CapLiteralPlus, goimap.CapNamespace, goimap.CapID, goimap.CapEnable, goimap.CapSASLIR,
		goimap.CapUnselect, goimap.CapSpecialUse, goimap.CapChildren, goimap.CapListExtended,
		goimap.CapListStatus, goimap.CapESearch, goimap.CapStatusSize, goimap.CapUTF8Accept, goimap.CapBinary} {
		if !caps.Has(want) {
			t.Errorf("capability %s missing", want)
		}
	}
}

func goimapMessages(t *testing.T, ts *testServer, c *imapclient.Client, exists chan uint32) {
	if _, err := c.ID(&goimap.IDData{Name: "test"}).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Namespace().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Work", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msg := "From: A <a@example.org>\r\nSubject: go-imap\r\nContent-Type: text/plain\r\n\r\nhi there\r\n"
	app := c.Append("INBOX", int64(len(msg)), &goimap.AppendOptions{Flags: []goimap.Flag{goimap.FlagDraft}})
	app.Write([]byte(msg))
	app.Close()
	ad, err := app.Wait()
	if err != nil || ad.UID != 1 {
		t.Fatalf("APPEND: %+v %v", ad, err)
	}
	list, err := c.List("", "*", &goimap.ListOptions{ReturnStatus: &goimap.StatusOptions{NumMessages: true, Size: true}}).Collect()
	if err != nil || len(list) != 2 || list[0].Status == nil || *list[0].Status.NumMessages != 1 {
		t.Fatalf("LIST-STATUS: %+v %v", list, err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 || sel.UIDValidity == 0 {
		t.Fatalf("SELECT: %+v %v", sel, err)
	}
	bufs, err := c.Fetch(goimap.SeqSetNum(1), &goimap.FetchOptions{
		UID: true, Flags: true, Envelope: true, InternalDate: true, RFC822Size: true,
		BodyStructure:     &goimap.FetchItemBodyStructure{Extended: true},
		BodySection:       []*goimap.FetchItemBodySection{{}, {Specifier: goimap.PartSpecifierHeader, Peek: true}},
		BinarySection:     []*goimap.FetchItemBinarySection{{Part: []int{1}, Peek: true}},
		BinarySectionSize: []*goimap.FetchItemBinarySectionSize{{Part: []int{1}}},
	}).Collect()
	if err != nil || len(bufs) != 1 {
		t.Fatalf("FETCH: %v", err)
	}
	m := bufs[0]
	if m.Envelope.Subject != "go-imap" || m.RFC822Size != int64(len(msg)) || m.UID != 1 ||
		!bytes.Equal(m.BodySection[0].Bytes, []byte(msg)) || string(m.BinarySection[0].Bytes) != "hi there\r\n" ||
		m.BinarySectionSize[0].Size != 10 || !slices.Contains(m.Flags, goimap.FlagSeen) {
		t.Fatalf("FETCH data: %+v", m)
	}
	if _, err := c.Store(goimap.UIDSetNum(1), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagFlagged}}, nil).Collect(); err != nil {
		t.Fatal(err)
	}
	goimapCopyIdle(t, ts, c, exists)
}

func goimapCopyIdle(t *testing.T, ts *testServer, c *imapclient.Client, exists chan uint32) {
	sd, err := c.UIDSearch(&goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagFlagged}},
		&goimap.SearchOptions{ReturnCount: true, ReturnAll: true, ReturnMin: true}).Wait()
	if err != nil || sd.Count != 1 || sd.Min != 1 {
		t.Fatalf("ESEARCH: %+v %v", sd, err)
	}
	cd, err := c.Copy(goimap.UIDSetNum(1), "Work").Wait()
	if err != nil || cd.UIDValidity == 0 || cd.DestUIDs.String() != "1" {
		t.Fatalf("COPY: %+v %v", cd, err)
	}
	if _, err := c.Move(goimap.UIDSetNum(1), "Work").Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("Work", &goimap.StatusOptions{NumMessages: true, Size: true, UIDNext: true}).Wait()
	if err != nil || *st.NumMessages != 2 {
		t.Fatalf("STATUS: %+v %v", st, err)
	}
	// IDLE: a delivery arrives as EXISTS.
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	ts.deliver(t, "u", "INBOX", msg1)
	select {
	case n := <-exists:
		if n != 1 {
			t.Fatalf("EXISTS %d", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Unselect().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("Work", "Done", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}
