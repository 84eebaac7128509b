package message

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// TestDump prints ENVELOPE and BODYSTRUCTURE of MESSAGE_DUMP (a debugging aid).
func TestDump(t *testing.T) {
	f := os.Getenv("MESSAGE_DUMP")
	if f == "" {
		t.Skip("set MESSAGE_DUMP=file")
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := Parse(bytes.NewReader(b), int64(len(b)), nil)
	env, _ := m.Envelope()
	fmt.Printf("ENVELOPE %s\nBODYSTRUCTURE %s\n", env.AppendIMAP(nil), m.BodyStructure().AppendIMAP(nil, true))
}
