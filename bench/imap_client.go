//go:build ignore

// imap_client is the IMAP client of bench/imap.sh. It reads responses
// without parsing more than it must (literals are skipped by their
// announced size), so that the server, not the client, sets the pace.
//
//	go run bench/imap_client.go fetch ADDR USER PASS PASSES ITEMS
//
// logs in, SELECTs INBOX and runs "FETCH 1:* ITEMS" PASSES times on that
// one connection, printing for each pass a line
// "pass=N msgs=M secs=S bytes=B cpu=C": C is the CPU time (user and
// system, from /proc) that the processes whose ids are in the environment
// variable BENCH_PIDS, and all their descendants, used during the pass;
// on a shared machine it is steadier than the elapsed time S.
//
//	go run bench/imap_client.go idle ADDR USER PASS N
//
// opens N connections, each LOGIN and SELECT INBOX, prints "ready" and
// holds them until it gets SIGTERM or SIGINT.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type conn struct {
	c     net.Conn
	r     *bufio.Reader
	tag   int
	bytes int64
}

func dial(addr, user, pass string, bufSize int) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cl := &conn{c: c, r: bufio.NewReaderSize(c, bufSize)}
	if _, err := cl.r.ReadSlice('\n'); err != nil { // greeting
		c.Close()
		return nil, err
	}
	if _, err := cl.run("LOGIN "+quote(user)+" "+quote(pass), nil); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := cl.run("SELECT INBOX", nil); err != nil {
		c.Close()
		return nil, err
	}
	return cl, nil
}

func quote(s string) string { return strconv.Quote(s) }

// run sends a command and reads until its tagged response, calling
// untagged for the start of each untagged response; it returns the number
// of untagged responses.
func (cl *conn) run(cmd string, untagged func(line []byte)) (int, error) {
	cl.tag++
	tag := "b" + strconv.Itoa(cl.tag)
	if _, err := io.WriteString(cl.c, tag+" "+cmd+"\r\n"); err != nil {
		return 0, err
	}
	n := 0
	start := true // the next line starts a response (not after a literal)
	for {
		line, err := cl.r.ReadSlice('\n')
		var head [64]byte // the start of a line longer than the buffer
		h := head[:copy(head[:], line)]
		for err == bufio.ErrBufferFull {
			cl.bytes += int64(len(line))
			line, err = cl.r.ReadSlice('\n')
		}
		if err != nil {
			return n, err
		}
		cl.bytes += int64(len(line))
		if start && bytes.HasPrefix(h, []byte(tag+" ")) {
			if !bytes.HasPrefix(h[len(tag)+1:], []byte("OK")) {
				return n, fmt.Errorf("%s: %s", cmd, bytes.TrimSpace(line))
			}
			return n, nil
		}
		if start && bytes.HasPrefix(h, []byte("* ")) {
			n++
			if untagged != nil {
				untagged(h)
			}
		}
		start = !cl.literal(line)
		if !start {
			if err := cl.skipLiteral(line); err != nil {
				return n, err
			}
		}
	}
}

// literal reports whether a line ends with a literal's announcement.
func (cl *conn) literal(line []byte) bool {
	return bytes.HasSuffix(bytes.TrimRight(line, "\r\n"), []byte("}"))
}

func (cl *conn) skipLiteral(line []byte) error {
	l := bytes.TrimRight(line, "\r\n")
	i := bytes.LastIndexByte(l, '{')
	n, err := strconv.ParseInt(strings.TrimSuffix(string(l[i+1:len(l)-1]), "+"), 10, 64)
	if i < 0 || err != nil {
		return fmt.Errorf("bad literal in %q", l)
	}
	k, err := cl.r.Discard(int(n))
	cl.bytes += int64(k)
	return err
}

func main() {
	log.SetFlags(0)
	if len(os.Args) < 6 {
		log.Fatal("usage: imap_client fetch ADDR USER PASS PASSES ITEMS | idle ADDR USER PASS N")
	}
	addr, user, pass := os.Args[2], os.Args[3], os.Args[4]
	switch os.Args[1] {
	case "fetch":
		passes, _ := strconv.Atoi(os.Args[5])
		fetch(addr, user, pass, passes, strings.Join(os.Args[6:], " "))
	case "idle":
		n, _ := strconv.Atoi(os.Args[5])
		idle(addr, user, pass, n)
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}

func fetch(addr, user, pass string, passes int, items string) {
	cl, err := dial(addr, user, pass, 1<<20)
	if err != nil {
		log.Fatal(err)
	}
	defer cl.c.Close()
	roots := strings.Fields(os.Getenv("BENCH_PIDS"))
	for p := 1; p <= passes; p++ {
		cl.bytes = 0
		cpu0 := cpuTicks(roots)
		t0 := time.Now()
		n, err := cl.run("FETCH 1:* "+items, nil)
		secs := time.Since(t0).Seconds()
		cpu := float64(cpuTicks(roots)-cpu0) / clockTicks
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("pass=%d msgs=%d secs=%.3f bytes=%d cpu=%.2f\n", p, n, secs, cl.bytes, cpu)
	}
	cl.run("LOGOUT", nil)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on Linux.
const clockTicks = 100

// cpuTicks sums utime and stime of the processes roots and their
// descendants.
func cpuTicks(roots []string) int64 {
	if len(roots) == 0 {
		return 0
	}
	type proc struct {
		ppid  string
		ticks int64
	}
	procs := map[string]proc{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid … utime(14) stime(15): comm may hold spaces.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		procs[d.Name()] = proc{ppid: f[1], ticks: u + s}
	}
	in := map[string]bool{}
	for _, r := range roots {
		in[r] = true
	}
	var total int64
	for grew := true; grew; {
		grew = false
		for pid, p := range procs {
			if !in[pid] && in[p.ppid] {
				in[pid], grew = true, true
			}
		}
	}
	for pid := range in {
		total += procs[pid].ticks
	}
	return total
}

func idle(addr, user, pass string, n int) {
	conns := make([]*conn, 0, n)
	for i := 0; i < n; i++ {
		cl, err := dial(addr, user, pass, 4096)
		if err != nil {
			log.Fatalf("session %d: %v", i, err)
		}
		conns = append(conns, cl)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, cl := range conns {
		cl.c.Close()
	}
}
