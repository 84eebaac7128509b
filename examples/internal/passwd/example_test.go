package passwd_test

import (
	"fmt"

	"github.com/mailstack/mailstack/examples/internal/passwd"
)

func ExampleParseLine() {
	user, secret, err := passwd.ParseLine("alice:{PLAIN}wonderland:1000:1000::/home/alice", nil)
	fmt.Println(user, secret.Scheme, err)
	fmt.Println(secret.Check("wonderland"), secret.Check("looking-glass"))
	// Output:
	// alice PLAIN <nil>
	// true false
}
