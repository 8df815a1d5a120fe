package sipstack

import "testing"

func TestPortAllocatorWrapsOnEvenPorts(t *testing.T) {
	p := newPortAllocator(50001, 50005)
	var got []int
	for range 4 {
		got = append(got, p.next())
	}
	if got[0] != 50002 || got[1] != 50004 || got[2] != 50002 || got[3] != 50004 {
		t.Errorf("ports %v", got)
	}
}
