package envelope_test

import (
	"errors"
	"fmt"

	"github.com/mailstack/mailstack/envelope"
)

func ExampleParseMailParams() {
	// The text after "MAIL FROM:<alice@example.org>".
	p, err := envelope.ParseMailParams(" SIZE=1024 BODY=8BITMIME RET=HDRS ENVID=QQ314159 X-TAG=1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Size, p.Body, p.Ret, p.EnvID, p.Other)
	fmt.Println(p)

	_, err = envelope.ParseMailParams("SIZE=1 SIZE=2")
	fmt.Println(errors.Is(err, envelope.ErrParamDuplicate))
	// Output:
	// 1024 8BITMIME HDRS QQ314159 [X-TAG=1]
	// SIZE=1024 BODY=8BITMIME RET=HDRS ENVID=QQ314159 X-TAG=1
	// true
}

func ExampleParseRcptParams() {
	p, err := envelope.ParseRcptParams(`NOTIFY=FAILURE,DELAY ORCPT=utf-8;j\x{F6}rg@example.org`, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Notify, p.ORCPT.AddrType, p.ORCPT.Addr)
	fmt.Println(p.Format(true))
	// Output:
	// FAILURE,DELAY utf-8 jörg@example.org
	// NOTIFY=FAILURE,DELAY ORCPT=utf-8;jörg@example.org
}
