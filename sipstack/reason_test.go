package sipstack

import "testing"

func TestReasonPhrase(t *testing.T) {
	for status, want := range map[int]string{200: "OK", 504: "Server time-out", 486: "Busy Here", 299: ""} {
		if got := ReasonPhrase(status); got != want {
			t.Errorf("ReasonPhrase(%d) = %q, want %q", status, got, want)
		}
	}
}
