package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// heartbeat keeps proxies and the browser from closing an idle stream.
const heartbeat = 20 * time.Second

// writeTimeout bounds one write to a client: a tab that stops reading is let go, while its queue
// (record.Subscription) has been dropping rows, counted, instead of holding the recorder back.
const writeTimeout = 10 * time.Second

// events streams each new attempt as an "attempt" event carrying its Row, and a "dropped" event
// with the count when this client's queue overflowed, so the page can say it missed some.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	sub := s.o.Ring.Subscribe(s.o.ClientQueue)
	defer sub.Close()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	// The comment opens the stream at once, so the page knows it is live before any attempt.
	if _, err := fmt.Fprint(w, ": edgesim console\nretry: 2000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	var told uint64
	for {
		var msg string
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			msg = ": ping\n\n"
		case a, ok := <-sub.C:
			if !ok {
				return
			}
			b, _ := json.Marshal(RowOf(a))
			msg = "event: attempt\nid: " + a.ID + "\ndata: " + string(b) + "\n\n"
		}
		if d := sub.Dropped(); d != told {
			told = d
			msg += fmt.Sprintf("event: dropped\ndata: %d\n\n", d)
		}
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := fmt.Fprint(w, msg); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}
