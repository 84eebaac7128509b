package selfsigned_test

import (
	"crypto/x509"
	"fmt"

	"github.com/mailstack/mailstack/examples/internal/selfsigned"
)

func ExampleLoad() {
	// No files named: a certificate for localhost, made now.
	conf, err := selfsigned.Load("", "", &selfsigned.Options{Hosts: []string{"mx.example.test"}})
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(conf.Certificates[0].Certificate[0])
	fmt.Println(c.Subject.CommonName, c.DNSNames, c.IPAddresses)
	// Output: mx.example.test [mx.example.test localhost] [127.0.0.1 ::1]
}
