"""Reads a mailbox with Python's standard clients, for testpeer's tests.

usage: mailclient.py imap-fetch HOST PORT USER PASSWORD
           writes BODY[] of INBOX message 1 to stdout, byte for byte
       mailclient.py pop3-stat HOST PORT USER PASSWORD
           writes the greeting, then "COUNT OCTETS" from STAT
"""
import imaplib
import poplib
import sys


def imap_fetch(host, port, user, password):
    m = imaplib.IMAP4(host, port)
    m.login(user, password)
    typ, data = m.select("INBOX", readonly=True)
    if typ != "OK" or int(data[0]) < 1:
        sys.exit("INBOX is empty: %r %r" % (typ, data))
    typ, data = m.fetch("1", "(BODY.PEEK[])")
    if typ != "OK":
        sys.exit("FETCH failed: %r %r" % (typ, data))
    sys.stdout.buffer.write(data[0][1])
    m.logout()


def pop3_stat(host, port, user, password):
    p = poplib.POP3(host, port)
    print(p.getwelcome().decode())
    p.user(user)
    p.pass_(password)
    count, octets = p.stat()
    print(count, octets)
    p.quit()


def main():
    cmd, host, port, user, password = sys.argv[1:6]
    {"imap-fetch": imap_fetch, "pop3-stat": pop3_stat}[cmd](host, int(port), user, password)


if __name__ == "__main__":
    main()
