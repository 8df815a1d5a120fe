package health

import "testing"

func TestDialAddress(t *testing.T) {
	for in, want := range map[string]string{
		"0.0.0.0:5061":      "127.0.0.1:5061",
		":5061":             "127.0.0.1:5061",
		"[::]:5061":         "[::1]:5061",
		"127.0.0.1:5353":    "127.0.0.1:5353",
		"192.0.2.10:5061":   "192.0.2.10:5061",
		"sip.skype.lab:506": "sip.skype.lab:506",
	} {
		if got, err := DialAddress(in); err != nil || got != want {
			t.Errorf("DialAddress(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"5061", "127.0.0.1:0", "127.0.0.1:", ""} {
		if got, err := DialAddress(bad); err == nil {
			t.Errorf("DialAddress(%q) = %q, want an error", bad, got)
		}
	}
}
