package memstore_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/mailstack/mailstack/store"
	"github.com/mailstack/mailstack/store/memstore"
)

func Example() {
	ctx := context.Background()
	st := memstore.New()
	mb, _ := st.OpenMailbox(ctx, "INBOX")
	res, _ := mb.Append(ctx, strings.NewReader("Subject: hi\r\n\r\nhello\r\n"),
		&store.AppendOptions{Flags: []string{store.FlagSeen}})
	infos, _ := mb.List(ctx, store.UIDSetOf(res.UID))
	fmt.Println(infos[0].UID, infos[0].Flags, infos[0].Size)
	// Output: 1 [\Seen] 22
}
