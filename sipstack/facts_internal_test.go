package sipstack

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// cseqValue replaces sipgo's CSeqHeader.Value on the hot path; the Edge log and the verdict memo
// compare its text, so it must be the same text.
func TestCSeqValueIsSipgosText(t *testing.T) {
	for _, c := range []sip.CSeqHeader{{SeqNo: 0, MethodName: sip.INVITE}, {SeqNo: 2066245576, MethodName: sip.INVITE},
		{SeqNo: 4294967295, MethodName: sip.ACK}, {SeqNo: 7, MethodName: "FOO"}} {
		if got, want := cseqValue(&c), c.Value(); got != want {
			t.Errorf("cseqValue = %q, want %q", got, want)
		}
	}
}
