"""python3 imaplib over COMPRESS=DEFLATE (RFC 4978), both directions
wrapped in raw zlib streams (wbits=-15).

Usage: compress_client.py HOST PORT USER PASS sync|partial|full
The flush mode is what ends each command: Z_SYNC_FLUSH, Z_PARTIAL_FLUSH
(the empty fixed block whose last bits stay behind), or Z_FULL_FLUSH.
Prints "ok" and the byte counts at the end.
"""
import imaplib
import sys
import zlib

imaplib.Commands["COMPRESS"] = ("AUTH", "SELECTED")

FLUSH = {"sync": zlib.Z_SYNC_FLUSH, "partial": zlib.Z_PARTIAL_FLUSH, "full": zlib.Z_FULL_FLUSH}


class DeflateIMAP(imaplib.IMAP4):
    zin = None

    def compress(self, mode):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        if typ != "OK":
            raise SystemExit("COMPRESS: %s %s" % (typ, data))
        self.flush = FLUSH[mode]
        self.zout = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.zin = zlib.decompressobj(-15)
        self.buf = b""
        self.raw_in = self.raw_out = self.plain_in = 0

    def send(self, data):
        if self.zin is not None:
            data = self.zout.compress(data) + self.zout.flush(self.flush)
            self.raw_out += len(data)
        super().send(data)

    def _more(self):
        raw = self.sock.recv(65536)
        if not raw:
            raise imaplib.IMAP4.abort("connection closed")
        self.raw_in += len(raw)
        out = self.zin.decompress(raw)
        self.plain_in += len(out)
        self.buf += out

    def read(self, size):
        if self.zin is None:
            return super().read(size)
        while len(self.buf) < size:
            self._more()
        out, self.buf = self.buf[:size], self.buf[size:]
        return out

    def readline(self):
        if self.zin is None:
            return super().readline()
        while b"\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\n") + 1
        out, self.buf = self.buf[:i], self.buf[i:]
        return out


def check(res, what):
    typ, data = res
    if typ != "OK":
        raise SystemExit("%s: %s %s" % (what, typ, data))
    return data


def main():
    host, port, user, password, mode = sys.argv[1:6]
    m = DeflateIMAP(host, int(port))
    check(m.login(user, password), "LOGIN")
    caps = check(m.capability(), "CAPABILITY")[0].decode()
    if "COMPRESS=DEFLATE" not in caps.split():
        raise SystemExit("no COMPRESS=DEFLATE in %r" % caps)
    m.compress(mode)
    # Whether COMPRESS=DEFLATE is still listed differs: Dovecot keeps it,
    # Cyrus and mailstack drop it.
    check(m.capability(), "CAPABILITY")
    typ, data = m._simple_command("COMPRESS", "DEFLATE")
    if typ != "NO" or b"COMPRESSIONACTIVE" not in data[0]:
        raise SystemExit("second COMPRESS: %s %s" % (typ, data))
    check(m.select("INBOX"), "SELECT")
    body = "".join("Line %d of a message sent compressed.\r\n" % i for i in range(3000))
    msg = ("From: a@example.org\r\nSubject: compressed-" + mode + "\r\n\r\n" + body).encode()
    check(m.append("INBOX", None, None, msg), "APPEND")
    for i in range(20):
        check(m.noop(), "NOOP")
    n = check(m.search(None, "SUBJECT", "compressed-" + mode), "SEARCH")[0].split()
    if len(n) != 1:
        raise SystemExit("SEARCH: %r" % n)
    data = check(m.fetch(n[0], "(BODY.PEEK[])"), "FETCH")
    if data[0][1] != msg:
        raise SystemExit("FETCH gave %d bytes, want %d" % (len(data[0][1]), len(msg)))
    check(m.fetch("1:*", "(FLAGS ENVELOPE)"), "FETCH")
    typ, data = m.logout()
    if typ != "BYE":
        raise SystemExit("LOGOUT: %s %s" % (typ, data))
    print("ok raw_in=%d plain_in=%d raw_out=%d" % (m.raw_in, m.plain_in, m.raw_out))


main()
