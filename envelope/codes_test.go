package envelope

import (
	"errors"
	"testing"
)

func TestParseEnhancedCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want EnhancedCode
		ok   bool
	}{
		{"RFC 3463 §2 success", "2.0.0", EnhancedCode{2, 0, 0}, true},
		{"RFC 3463 §2 transient", "4.4.7", EnhancedCode{4, 4, 7}, true},
		{"RFC 3463 §2 permanent", "5.1.1", EnhancedCode{5, 1, 1}, true},
		{"RFC 3463 §2 three-digit subject and detail", "5.123.456", EnhancedCode{5, 123, 456}, true},
		{"RFC 7505 §4.2 X.1.10", "5.1.10", EnhancedCode{5, 1, 10}, true},
		{"RFC 3463 §2 leading zeros allowed by 1*3digit", "5.01.001", EnhancedCode{5, 1, 1}, true},
		{"RFC 3463 §2 class 3", "3.0.0", EnhancedCode{}, false},
		{"RFC 3463 §2 class 1", "1.0.0", EnhancedCode{}, false},
		{"RFC 3463 §2 four-digit subject", "5.1000.0", EnhancedCode{}, false},
		{"RFC 3463 §2 four-digit detail", "5.0.1000", EnhancedCode{}, false},
		{"RFC 3463 §2 missing detail", "5.1", EnhancedCode{}, false},
		{"RFC 3463 §2 empty subject", "5..1", EnhancedCode{}, false},
		{"RFC 3463 §2 trailing dot", "5.1.1.", EnhancedCode{}, false},
		{"RFC 3463 §2 trailing text", "5.1.1 x", EnhancedCode{}, false},
		{"RFC 3463 §2 sign", "5.+1.1", EnhancedCode{}, false},
		{"RFC 3463 §2 empty", "", EnhancedCode{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnhancedCode(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrEnhancedCodeSyntax) {
					t.Fatalf("ParseEnhancedCode(%q) error = %v, want ErrEnhancedCodeSyntax", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want || !got.Valid() {
				t.Fatalf("ParseEnhancedCode(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEnhancedCodeString(t *testing.T) {
	if s := (EnhancedCode{}).String(); s != "" {
		t.Errorf("zero code formats as %q", s)
	}
	if s := (EnhancedCode{5, 7, 30}).String(); s != "5.7.30" {
		t.Errorf("String = %q", s)
	}
	if (EnhancedCode{}).Valid() || (EnhancedCode{3, 0, 0}).Valid() || (EnhancedCode{5, -1, 0}).Valid() {
		t.Error("invalid codes reported valid")
	}
}

func TestEnhancedCodeDescription(t *testing.T) {
	tests := []struct {
		code EnhancedCode
		want string
	}{
		{EnhancedCode{2, 0, 0}, "Other undefined status"},                                      // RFC 3463 §3.1
		{EnhancedCode{5, 1, 1}, "Bad destination mailbox address"},                             // RFC 3463 §3.2
		{EnhancedCode{5, 1, 10}, "Recipient address has null MX"},                              // RFC 7505
		{EnhancedCode{4, 2, 2}, "Mailbox full"},                                                // RFC 3463 §3.3
		{EnhancedCode{5, 3, 4}, "Message too big for system"},                                  // RFC 3463 §3.4
		{EnhancedCode{4, 4, 7}, "Delivery time expired"},                                       // RFC 3463 §3.5
		{EnhancedCode{5, 5, 4}, "Invalid command arguments"},                                   // RFC 3463 §3.6
		{EnhancedCode{5, 6, 7}, "Non-ASCII addresses not permitted for that sender/recipient"}, // RFC 6531
		{EnhancedCode{5, 7, 8}, "Authentication credentials invalid"},                          // RFC 4954
		{EnhancedCode{5, 7, 23}, "SPF validation failed"},                                      // RFC 7372
		{EnhancedCode{5, 7, 27}, "Sender address has null MX"},                                 // RFC 7505
		{EnhancedCode{5, 7, 30}, "REQUIRETLS support required"},                                // RFC 8689
		{EnhancedCode{5, 9, 9}, ""},
		{EnhancedCode{5, 1, 99}, ""},
	}
	for _, tt := range tests {
		if got := tt.code.Description(); got != tt.want {
			t.Errorf("%v.Description() = %q, want %q", tt.code, got, tt.want)
		}
	}
	// Every subject of RFC 3463 §3 has its X.Y.0 "other or undefined" entry.
	for subject := 0; subject <= 7; subject++ {
		if (EnhancedCode{5, subject, 0}).Description() == "" {
			t.Errorf("X.%d.0 missing", subject)
		}
	}
	// X.7.0 to X.7.30 are all registered.
	for detail := 0; detail <= 30; detail++ {
		if (EnhancedCode{5, 7, detail}).Description() == "" {
			t.Errorf("X.7.%d missing", detail)
		}
	}
}
