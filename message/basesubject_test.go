package message

import "testing"

func TestBaseSubject(t *testing.T) {
	for _, c := range []struct {
		in, base string
		fwd      bool
	}{
		{"Hello", "Hello", false},
		{"Re: Hello", "Hello", true},
		{"RE:   Hello  ", "Hello", true},
		{"re:re: fwd: Hello", "Hello", true},
		{"Fw: Hello", "Hello", true},
		{"Re [2]: Hello", "Hello", true},
		{"Re[2]: Hello", "Hello", true},
		{"[list] Re: Hello", "Hello", true},
		{"[list] Hello", "Hello", false},
		{"[list]", "[list]", false},            // (4): not when nothing would be left
		{"[a] [b]", "[b]", false},              // the last blob stays
		{"Hello (fwd)", "Hello", true},         // (2)
		{"Hello (FWD) (fwd)  ", "Hello", true}, // (2) repeated
		{"[Fwd: Hello]", "Hello", true},        // (6)
		{"[fwd: Re: [x] Hello (fwd)]", "Hello", true},
		{"Re: [fwd: Hello]", "Hello", true},
		{"Hello\r\n\tWorld", "Hello World", false},
		{"Reply", "Reply", false},
		{"Re Hello", "Re Hello", false},
		{"[unclosed Re: x", "[unclosed Re: x", false},
		{"Re: ", "", true},
		{"", "", false},
		{"[fwd:]", "", true},
		{"Re: Übung", "Übung", true},
		{";e: x", ";e: x", false}, // no case folding of non-letters
	} {
		base, fwd := BaseSubject(c.in)
		if base != c.base || fwd != c.fwd {
			t.Errorf("BaseSubject(%q) = %q, %v; want %q, %v", c.in, base, fwd, c.base, c.fwd)
		}
	}
}
