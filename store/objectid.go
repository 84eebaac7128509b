package store

// MaxObjectID is the longest object id (RFC 8474 §3: objectid =
// 1*255(ALPHA / DIGIT / "_" / "-")).
const MaxObjectID = 255

// IsObjectID reports whether s is a valid object id (RFC 8474 §3): 1 to
// 255 letters, digits, "_" or "-".
func IsObjectID(s string) bool {
	if len(s) == 0 || len(s) > MaxObjectID {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
