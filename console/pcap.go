package console

import (
	"net/http"

	"github.com/edgesim/edgesim/record/artifact"
)

// pcapng serves the attempt's SIP messages as a capture of their own (artifact.PCAPNG): the
// one-attempt cut a trainer attaches to a ticket.
func (s *Server) pcapng(w http.ResponseWriter, r *http.Request) {
	a, ok := s.find(w, r)
	if !ok {
		return
	}
	b, err := artifact.PCAPNG(a)
	if err != nil {
		http.Error(w, "pcapng: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.tcpdump.pcap")
	w.Header().Set("Content-Disposition", `attachment; filename="attempt-`+a.ID+`.pcapng"`)
	_, _ = w.Write(b)
}
