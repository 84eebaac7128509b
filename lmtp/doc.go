// Package lmtp is an LMTP server and client (RFC 2033), the protocol an
// MTA uses to hand mail to the delivery agent that stores it. LMTP is SMTP
// with LHLO for EHLO and one reply per recipient after the message, so
// that one full mailbox does not fail the others. The server is package
// smtp's, run in LMTP mode: every limit, safety rule and extension of
// smtp.Server applies.
//
// The shortest server delivers each message to every recipient and
// reports each result:
//
//	srv := &lmtp.Server{
//		Hostname: "mda.example.org",
//		Backend: lmtp.DataFunc(func(ctx context.Context, tx *smtp.Transaction, r io.Reader, st *lmtp.Status) error {
//			msg, err := io.ReadAll(r) // or spool it to a file
//			if err != nil {
//				return err
//			}
//			for i, rc := range tx.Rcpts {
//				st.Set(i, store(ctx, rc.Path, msg)) // nil once fsync'd
//			}
//			return nil
//		}),
//	}
//	l, _ := net.Listen("unix", "/run/mda/lmtp")
//	err := srv.Serve(l)
//
// # Standards
//
//	RFC 2033  LMTP: LHLO (§4.1), one reply per accepted recipient after
//	          DATA, in RCPT order, duplicates included (§4.2); 503 for
//	          DATA without recipients
//	RFC 3030  BDAT, with the per-recipient replies after BDAT LAST
//	RFC 3848  LMTP, LMTPS, LMTPA and LMTPSA in Received
//
// and the extensions listed in package smtp.
package lmtp
