package queue

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailstack/mailstack/envelope"
	"github.com/mailstack/mailstack/smtp"
)

// maxReturnedHeader bounds the header section a DSN returns.
const maxReturnedHeader = 256 << 10

// storeDSN builds a delivery status notification (RFC 3464) about the
// recipients idx of rec — failures, or delays when delay is set — and
// stores it in the spool from the null reverse-path (RFC 5321 §4.5.5) to
// rec's sender, by the sender's route (Config.Route). The caller hands
// it to the scheduler.
func (q *Queue) storeDSN(ctx context.Context, rec *Record, idx []int, delay bool) (*entry, error) {
	msg, err := q.buildDSN(rec, idx, delay)
	if err != nil {
		return nil, err
	}
	// The returned original may hold 8-bit or UTF-8 header text: the DSN
	// travels with the original's BODY and SMTPUTF8.
	opts := &smtp.SendOptions{}
	if rec.Mail.Body == envelope.Body8BitMIME {
		opts.Mail.Body = rec.Mail.Body
	}
	opts.Mail.SMTPUTF8 = rec.Mail.SMTPUTF8
	return q.store(ctx, "", envelope.Path{}, []envelope.Path{rec.From}, bytes.NewReader(msg), opts)
}

// buildDSN writes the DSN message: multipart/report (RFC 6522) with a
// human-readable part, a message/delivery-status part (RFC 3464 §2) and
// the original message or its header (per RET, RFC 3461 §4.3).
func (q *Queue) buildDSN(rec *Record, idx []int, delay bool) ([]byte, error) {
	now := q.cfg.Now()
	var rnd [12]byte
	rand.Read(rnd[:])
	boundary := "dsn-" + hex.EncodeToString(rnd[:])
	host := q.cfg.Hostname
	var b bytes.Buffer
	subject := "Undelivered Mail Returned to Sender"
	if delay {
		subject = "Delayed Mail (still being retried)"
	}
	to := rec.From.Mailbox.String()
	fmt.Fprintf(&b, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n", host)
	fmt.Fprintf(&b, "To: <%s>\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s.%s@%s>\r\n", rec.ID, hex.EncodeToString(rnd[:4]), host)
	b.WriteString("Auto-Submitted: auto-replied\r\n") // RFC 3834 §5
	b.WriteString("MIME-Version: 1.0\r\n")
	fmt.Fprintf(&b, "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n\r\n", boundary)
	b.WriteString("This is a MIME-encapsulated message.\r\n\r\n")

	fmt.Fprintf(&b, "--%s\r\nContent-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary)
	q.writeHuman(&b, rec, idx, delay)

	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n", boundary)
	q.writeStatus(&b, rec, idx, delay, now)

	if err := q.writeOriginal(&b, rec, boundary); err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	return b.Bytes(), nil
}

func (q *Queue) writeHuman(b *bytes.Buffer, rec *Record, idx []int, delay bool) {
	fmt.Fprintf(b, "This is the mail system at host %s.\r\n\r\n", q.cfg.Hostname)
	if delay {
		b.WriteString("Your message could not be delivered yet to the recipients below.\r\n")
		fmt.Fprintf(b, "It will be retried until %s.\r\n\r\n", rec.Created.Add(q.cfg.Retry.MaxLifetime).Format(time.RFC1123Z))
	} else {
		b.WriteString("I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.\r\n\r\n")
	}
	for _, i := range idx {
		rc := rec.Rcpts[i]
		fmt.Fprintf(b, "<%s>: %s\r\n", oneLine(rc.Path.Mailbox.String()), oneLine(rc.LastReply))
	}
}

// writeStatus writes the per-message and per-recipient fields of RFC 3464
// §2.2 and §2.3.
func (q *Queue) writeStatus(b *bytes.Buffer, rec *Record, idx []int, delay bool, now time.Time) {
	fmt.Fprintf(b, "Reporting-MTA: dns; %s\r\n", q.cfg.Hostname)
	fmt.Fprintf(b, "X-Mailstack-Queue-ID: %s\r\n", rec.ID)
	if rec.Mail.EnvID != "" {
		fmt.Fprintf(b, "Original-Envelope-Id: %s\r\n", envelope.EncodeXtext(rec.Mail.EnvID))
	}
	fmt.Fprintf(b, "Arrival-Date: %s\r\n", rec.Created.Format(time.RFC1123Z))
	for _, i := range idx {
		rc := rec.Rcpts[i]
		b.WriteString("\r\n")
		fmt.Fprintf(b, "Final-Recipient: %s\r\n", addressField(rc.Path.Mailbox))
		if o := rc.Params.ORCPT; o != nil {
			fmt.Fprintf(b, "Original-Recipient: %s\r\n", oneLine(o.Encode(false)))
		}
		action := "failed"
		if delay {
			action = "delayed"
		}
		fmt.Fprintf(b, "Action: %s\r\n", action)
		fmt.Fprintf(b, "Status: %s\r\n", dsnStatus(rc, delay))
		if rc.RemoteMTA != "" {
			fmt.Fprintf(b, "Remote-MTA: dns; %s\r\n", oneLine(rc.RemoteMTA))
		}
		if rc.LastReply != "" {
			kind := "smtp"
			if _, err := envelope.ParseReply(rc.LastReply); err != nil {
				kind = "X-mailstack"
			}
			fmt.Fprintf(b, "Diagnostic-Code: %s; %s\r\n", kind, oneLine(rc.LastReply))
		}
		fmt.Fprintf(b, "Last-Attempt-Date: %s\r\n", now.Format(time.RFC1123Z))
		if delay {
			fmt.Fprintf(b, "Will-Retry-Until: %s\r\n", rec.Created.Add(q.cfg.Retry.MaxLifetime).Format(time.RFC1123Z))
		}
	}
}

// writeOriginal appends the third part: the whole message (RET=FULL or no
// RET, up to ReturnFullMax) as message/rfc822, or its header section as
// text/rfc822-headers (RFC 6522 §4).
func (q *Queue) writeOriginal(b *bytes.Buffer, rec *Record, boundary string) error {
	f, err := q.sp.openMessage(rec.ID)
	if err != nil {
		return fmt.Errorf("queue: DSN: %w", err)
	}
	defer f.Close()
	full := rec.Mail.Ret != envelope.ReturnHeaders && rec.Size <= q.cfg.ReturnFullMax
	if full {
		fmt.Fprintf(b, "\r\n--%s\r\nContent-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n\r\n", boundary)
		return copyCRLF(b, f, -1)
	}
	fmt.Fprintf(b, "\r\n--%s\r\nContent-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n", boundary)
	return copyCRLF(b, f, maxReturnedHeader)
}

// copyCRLF copies lines from r to b with CRLF endings, stopping at the
// empty line that ends the header section when max >= 0 (or after max
// octets), so the returned part is well-formed whatever the original's
// line endings. A line equal to the boundary cannot occur: the boundary
// is random.
func copyCRLF(b *bytes.Buffer, r io.Reader, max int) error {
	br := bufio.NewReader(r)
	n := 0
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimRight(line, "\r\n")
			if max >= 0 && (line == "" || n+len(line) > max) {
				return nil
			}
			b.WriteString(line)
			b.WriteString("\r\n")
			n += len(line) + 2
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("queue: DSN: %w", err)
		}
	}
}

// dsnStatus is the Status field (RFC 3464 §2.3.4): the enhanced code of
// the last reply when it has one of the right class, else one derived from
// the reply code; 4.4.7 for a recipient that expired (RFC 3463).
func dsnStatus(rc RcptRecord, delay bool) string {
	r, err := envelope.ParseReply(rc.LastReply)
	if err != nil {
		r = nil
	}
	if !delay && (r == nil || r.Temporary()) && rc.State == StateFailed {
		if r == nil && rc.LastReply == "" {
			return "5.0.0"
		}
		return "4.4.7" // delivery time expired
	}
	if r == nil {
		if delay {
			return "4.0.0"
		}
		return "5.0.0"
	}
	if !r.Enhanced.IsZero() && r.Enhanced.Class == r.Code/100 {
		return r.Enhanced.String()
	}
	return fmt.Sprintf("%d.0.0", r.Code/100)
}

// addressField formats a recipient for Final-Recipient: rfc822 for ASCII
// (domain in A-labels when possible), utf-8 otherwise (RFC 6533 §3).
func addressField(a envelope.Address) string {
	if ascii, err := a.ToASCII(); err == nil {
		return "rfc822; " + oneLine(ascii.String())
	}
	return "utf-8; " + envelope.EncodeUTF8AddrXtext(a.String())
}

// oneLine keeps a field value on one line of reasonable length.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r < ' ' && r != '\t' {
			return ' '
		}
		return r
	}, s)
	if len(s) > 900 {
		s = s[:900]
	}
	return s
}
