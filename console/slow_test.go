package console

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/edgesim/edgesim/record"
)

// A tab that opens /events and stops reading never holds up the Edge: the ring's Add does not wait
// for it (its queue drops, counted), so calls placed after it still finish and are recorded.
func TestStalledEventsClientNeverStallsACall(t *testing.T) {
	c := startConsole(t, Options{ClientQueue: 1})
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.http.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	// Read up to the opening comment, so the stream (and its subscription) exists; then read no more.
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, ": edgesim console") {
			break
		}
	}
	big := strings.Repeat("x", 64<<10) // enough to fill the socket buffers of a client that reads nothing
	for i := range 200 {
		c.rec.Ring().Add(record.Attempt{ID: "filler-" + string(rune('a'+i%26)), PeerName: big}) // PeerName travels in the row
	}
	c.call(t) // returns only once the recorder has finished and published the call's attempt
	c.call(t)
}
