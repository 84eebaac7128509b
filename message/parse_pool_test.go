package message

import (
	"bytes"
	"reflect"
	"sync"
	"testing"
)

// indexed is what a caller keeps of a parse: the part tree and ENVELOPE.
type indexed struct {
	root *Part
	env  *Envelope
}

func parseCorpusMsg(t *testing.T, m corpusMsg) indexed {
	msg, err := Parse(bytes.NewReader(m.data), int64(len(m.data)), nil)
	if err != nil {
		t.Errorf("%s: %v", m.name, err)
		return indexed{}
	}
	env, err := msg.Envelope()
	if err != nil {
		t.Errorf("%s: Envelope: %v", m.name, err)
	}
	return indexed{msg.Root, env}
}

// TestParsePoolNoAliasing checks that nothing a Parse or Envelope returns
// shares the pooled buffers: results kept while every corpus message is
// parsed again (in reverse order, and from 4 goroutines at once) do not
// change.
func TestParsePoolNoAliasing(t *testing.T) {
	corpus := loadCorpus(t)
	kept := make([]indexed, len(corpus))
	for i, m := range corpus {
		kept[i] = parseCorpusMsg(t, m)
	}
	var wg sync.WaitGroup
	again := make([][]indexed, 4)
	for g := range again {
		again[g] = make([]indexed, len(corpus))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := len(corpus) - 1; i >= 0; i-- {
				again[g][i] = parseCorpusMsg(t, corpus[i])
			}
		}()
	}
	wg.Wait()
	for g := range again {
		for i, m := range corpus {
			if !reflect.DeepEqual(kept[i], again[g][i]) {
				t.Errorf("%s: result changed after other parses (goroutine %d)", m.name, g)
			}
		}
	}
}
