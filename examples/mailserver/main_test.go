package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestJSONLogs(t *testing.T) {
	var b bytes.Buffer
	newLogger("json", &b).Info("queue", "id", "X1")
	if !strings.HasPrefix(b.String(), "{") || !strings.Contains(b.String(), `"id":"X1"`) {
		t.Errorf("json log %q", b.String())
	}
}
