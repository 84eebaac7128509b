package imap

import (
	"fmt"
	"strings"
)

// threadMessages exercise SORT and THREAD beyond what the message corpus
// holds: subjects with reply, forward and list markers, conversations
// linked by References or only In-Reply-To, a parent that is missing,
// duplicate and absent Message-IDs, a reference loop, equal and missing
// dates, non-ASCII names and subjects, groups and display names.
var threadMessages = func() []string {
	msg := func(hdr ...string) string {
		return strings.Join(hdr, "\r\n") + "\r\n\r\nbody\r\n"
	}
	d := func(day, hour int) string {
		return fmt.Sprintf("Date: %s, %02d Mar 2021 %02d:00:00 +0000", []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}[(day)%7], day, hour)
	}
	return []string{
		msg("Message-ID: <a1@x.test>", d(1, 9), "Subject: Lunch plans", "From: Zoe <zoe@x.test>", "To: bob@y.test"),
		msg("Message-ID: <a2@x.test>", d(1, 10), "Subject: Re: Lunch plans", "From: bob@y.test", "To: Zoe <zoe@x.test>",
			"In-Reply-To: <a1@x.test>", "References: <a1@x.test>"),
		msg("Message-ID: <a3@x.test>", d(1, 11), "Subject: RE: [team] Lunch plans", "From: \"Carl\" <carl@z.test>",
			"To: zoe@x.test", "Cc: bob@y.test", "References: <a1@x.test> <a2@x.test>"),
		msg("Message-ID: <a4@x.test>", d(1, 12), "Subject: Re: Lunch plans", "From: amy@x.test",
			"In-Reply-To: <a2@x.test>"),
		msg("Message-ID: <b1@x.test>", d(2, 8), "Subject: Fwd: Report (fwd)", "From: =?UTF-8?Q?=C3=89mile?= <emile@x.test>",
			"To: Undisclosed recipients:;"),
		msg("Message-ID: <b2@x.test>", d(2, 8), "Subject: Report", "From: Émile <emile@x.test>", "To: amy@x.test"),
		msg("Message-ID: <b3@x.test>", d(3, 7), "Subject: [Fwd: Report]", "From: dave@x.test", "To: \"Zed\" <amy@x.test>"),
		// The parent <c0@x.test> is not in the mailbox.
		msg("Message-ID: <c1@x.test>", d(4, 9), "Subject: Re: Budget", "From: carl@z.test", "References: <c0@x.test>"),
		msg("Message-ID: <c2@x.test>", d(4, 8), "Subject: Re: Budget", "From: bob@y.test", "References: <c0@x.test>"),
		msg("Message-ID: <c3@x.test>", d(5, 9), "Subject: Budget", "From: zoe@x.test", "To: carl@z.test"),
		// A duplicate Message-ID, and none at all.
		msg("Message-ID: <a1@x.test>", d(5, 10), "Subject: Lunch plans again", "From: zoe@x.test"),
		msg(d(5, 11), "Subject: No ID here", "From: =?ISO-8859-1?Q?J=F6rg?= <jorg@x.test>", "To: =?UTF-8?B?w4lt?= <em@x.test>"),
		// A loop: d1 references d2, d2 references d1.
		msg("Message-ID: <d1@x.test>", d(6, 9), "Subject: Loop", "From: amy@x.test", "References: <d2@x.test>"),
		msg("Message-ID: <d2@x.test>", d(6, 10), "Subject: Re: Loop", "From: bob@y.test", "References: <d1@x.test>"),
		// No Date: the internal date stands in. An unparsable one too.
		msg("Message-ID: <e1@x.test>", "Subject: Undated", "From: \"ada\" <ada@x.test>"),
		msg("Message-ID: <e2@x.test>", "Date: yesterday at noon", "Subject: Re: Undated", "From: Ada <ada@x.test>",
			"References: <e1@x.test>"),
		// Long reference chains with a middle message missing.
		msg("Message-ID: <f1@x.test>", d(7, 9), "Subject: Chain", "From: bob@y.test"),
		msg("Message-ID: <f3@x.test>", d(7, 11), "Subject: Re: Chain", "From: carl@z.test",
			"References: <f1@x.test> <f2@x.test>"),
		msg("Message-ID: <f4@x.test>", d(7, 12), "Subject: Re: Chain", "From: amy@x.test",
			"References: <f1@x.test> <f2@x.test> <f3@x.test>"),
		msg("Message-ID: <f5@x.test>", d(7, 12), "Subject: Re: Chain", "From: zoe@x.test",
			"References: <f1@x.test> <f2@x.test>"),
		// Subjects only: the same base subject, no references.
		msg("Message-ID: <g1@x.test>", d(8, 9), "Subject: [list] Meeting", "From: ZOE@x.test"),
		msg("Message-ID: <g2@x.test>", d(8, 10), "Subject: Re: [list] Meeting", "From: zoe@x.test"),
		msg("Message-ID: <g3@x.test>", d(8, 8), "Subject: Meeting", "From: Bob <bob@y.test>", "Cc: Zed <zed@x.test>, amy@x.test"),
		msg("Message-ID: <g4@x.test>", d(8, 11), "Subject: Fw: Meeting", "From: carl@z.test"),
		msg("Message-ID: <h1@x.test>", d(9, 9), "Subject: Übung", "From: ÜLI <uli@x.test>"),
		msg("Message-ID: <h2@x.test>", d(9, 9), "Subject: uebung", "From: Uwe <uwe@x.test>"),
		msg("Message-ID: <h3@x.test>", d(9, 9), "Subject: Ubung", "From: Ulf <ulf@x.test>"),
		msg("Message-ID: <h4@x.test>", "Date: Tue, 09 Mar 2021 09:00:00 -0500", "Subject: re: übung", "From: \"\" <empty@x.test>",
			"In-Reply-To: <h1@x.test> (comment)"),
		// In-Reply-To only counts when References has no msg-id.
		msg("Message-ID: <i1@x.test>", d(10, 9), "Subject: Irt", "From: bob@y.test", "References: garbage",
			"In-Reply-To: <g1@x.test>"),
		msg("Message-ID: <i2@x.test>", d(10, 9), "Subject: Re: Irt", "From: bob@y.test", "In-Reply-To: <i1@x.test> <g2@x.test>"),
		msg("Message-ID: <j1@x.test>", d(11, 9), "Subject:", "From: nobody"),
		msg("Message-ID: <j2@x.test>", d(11, 9), "Subject: Re:", "From: <>"),
		msg("Message-ID: <j3@x.test>", d(11, 10), "Subject: (fwd)", "To: group: a@x.test, b@x.test;"),
	}
}()
