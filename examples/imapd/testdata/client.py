# Drives examples/imapd with python3's imaplib: argv = host port user pass maildir
import imaplib, mailbox, sys, time, email

host, port, user, pw, mdir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
M = imaplib.IMAP4(host, port)

def ok(res, what):
    typ, data = res
    if typ != 'OK':
        raise SystemExit('%s failed: %r %r' % (what, typ, data))
    return data

ok(M.login(user, pw), 'login')
ok(M.create('Work'), 'create')
ok(M.create('Work.Old'), 'create child')
ok(M.rename('Work.Old', 'Work.Archive'), 'rename')
names = ok(M.list(), 'list')
assert any(b'"Work.Archive"' in n or b'Work.Archive' in n for n in names), names
ok(M.delete('Work.Archive'), 'delete')
msg = b'From: a@example.org\r\nTo: b@example.org\r\nSubject: test one\r\nMessage-ID: <1@x>\r\n\r\nbody text here\r\n'
ok(M.append('INBOX', '(\\Flagged)', imaplib.Time2Internaldate(time.time()), msg), 'append')
typ, data = M.select('INBOX')
assert typ == 'OK' and data[0] == b'1', data
items = '(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[]<0.4> BINARY.PEEK[1] BINARY.SIZE[1] RFC822.HEADER)'
data = ok(M.fetch('1', items), 'fetch all items')
flat = b''.join(x if isinstance(x, bytes) else b''.join(x) for x in data)
for want in [b'RFC822.SIZE %d' % len(msg), b'"test one"', b'BODY[HEADER.FIELDS (SUBJECT)]', b'BINARY.SIZE[1] 16', b'\\Flagged']:
    assert want in flat, (want, flat)
data = ok(M.fetch('1', '(RFC822)'), 'fetch rfc822')
assert data[0][1] == msg, data
data = ok(M.fetch('1', '(FLAGS)'), 'fetch flags')
assert b'\\Seen' in data[0], data
ok(M.store('1', '+FLAGS', '(\\Answered $Label1)'), 'store')
data = ok(M.search(None, 'ANSWERED', 'SUBJECT', '"test one"'), 'search')
assert data[0] == b'1', data
data = ok(M.uid('SEARCH', 'KEYWORD', '$Label1'), 'uid search')
assert data[0] == b'1', data
ok(M.copy('1', 'Work'), 'copy')
typ, data = M._simple_command('MOVE', '1', 'Work')
assert typ == 'OK', data
typ, data = M.status('Work', '(MESSAGES UIDNEXT UNSEEN)')
assert typ == 'OK' and b'MESSAGES 2' in data[0], data
typ, data = M.select('INBOX')
assert data[0] == b'0', data

# IDLE: a delivery by another program (python's mailbox.Maildir) must
# reach the idling session as EXISTS.
tag = M._new_tag()
M.send(tag + b' IDLE\r\n')
line = M.readline()
assert line.startswith(b'+'), line
mailbox.Maildir(mdir, create=False).add(b'Subject: idle\n\nhi\n')
M.sock.settimeout(10)
line = M.readline()
assert line.strip() == b'* 1 EXISTS', line
# RFC 3501 §7.3.2: the idling session is the first to see it: \Recent.
line = M.readline()
assert line.strip() == b'* 1 RECENT', line
M.send(b'DONE\r\n')
line = M.readline()
assert line.startswith(tag + b' OK'), line
data = ok(M.fetch('1', '(RFC822.SIZE BODY.PEEK[])'), 'fetch LF message')
# Stored with LF line ends, served with CRLF (RFC 9051 §2.2).
assert b'RFC822.SIZE 21' in data[0][0] and data[0][1] == b'Subject: idle\r\n\r\nhi\r\n', data
typ, _ = M.logout()
assert typ == 'BYE', typ
print('ok')
