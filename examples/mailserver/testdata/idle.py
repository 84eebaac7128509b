# Waits in IMAP IDLE for a message and fetches it, with python3's imaplib.
# argv: host port user password outfile
# Prints "idling" once the server accepted IDLE, then writes the newest
# message of INBOX (RFC822, the exact bytes) to outfile and prints "fetched".
import imaplib, ssl, sys

host, port, user, pw, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # the server's certificate is self-signed

M = imaplib.IMAP4(host, port)
M.starttls(ssl_context=ctx)
typ, _ = M.login(user, pw)
assert typ == 'OK'
typ, data = M.select('INBOX')
assert typ == 'OK', data
before = int(data[0])

# RFC 2177 IDLE, by hand: imaplib has no IDLE command before Python 3.14.
M.send(b'I1 IDLE\r\n')
line = M.readline()
assert line.startswith(b'+'), line
print('idling', flush=True)
count = before
while count <= before:
    line = M.readline()
    if not line:
        raise SystemExit('connection closed while idling')
    parts = line.split()
    if len(parts) >= 3 and parts[0] == b'*' and parts[2].upper() == b'EXISTS':
        count = int(parts[1])
M.send(b'DONE\r\n')
while True:
    line = M.readline()
    if line.startswith(b'I1 '):
        assert line.split()[1] == b'OK', line
        break
typ, data = M.fetch(str(count), '(RFC822)')
assert typ == 'OK', data
with open(out, 'wb') as f:
    f.write(data[0][1])
M.logout()
print('fetched', flush=True)
