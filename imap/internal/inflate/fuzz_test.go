package inflate

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

// FuzzInflate decodes arbitrary input: no panic, and whatever
// compress/flate decodes to the end of a final block, this Reader
// decodes the same. Input is read in reads of the size the fuzzer picks.
func FuzzInflate(f *testing.F) {
	for _, level := range []int{flate.HuffmanOnly, 0, 1, 6, 9} {
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, level)
		w.Write([]byte("a LOGIN u p\r\n"))
		w.Flush()
		w.Write([]byte("b FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\nb FETCH 1:* (FLAGS)\r\n"))
		w.Close()
		f.Add(z.Bytes(), uint16(4096))
	}
	var b bitWriter
	f.Add(partialFlush(&b, "a NOOP\r\n"), uint16(1))
	f.Add([]byte{0x07}, uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, rd uint16) {
		got, err := readAll(NewReader(&source{data: data, end: io.EOF}), int(rd%8192)+1)
		want, werr := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
		if werr == nil && (err != io.EOF || !bytes.Equal(got, want)) {
			t.Fatalf("compress/flate decodes %d bytes, this Reader %d (equal %v), err %v", len(want), len(got), bytes.Equal(got, want), err)
		}
		if err == nil {
			t.Fatal("no error at the end of input")
		}
	})
}
