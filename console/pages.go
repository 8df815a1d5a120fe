package console

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/record"
	"github.com/edgesim/edgesim/record/artifact"
	"github.com/edgesim/edgesim/scenarios"
)

var funcs = template.FuncMap{
	"join": strings.Join,
	"mark": func(o policy.Outcome) string {
		switch o {
		case policy.Pass:
			return "✓"
		case policy.Fail:
			return "✗"
		}
		return "–"
	},
}

// newestFirst is the ring's attempts, the newest first, as the list shows them.
func (s *Server) newestFirst() []record.Attempt {
	all := s.o.Ring.Snapshot()
	slices.Reverse(all)
	return all
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.tmpl.ExecuteTemplate(w, name, data); err != nil {
		s.o.Logger.Warn().Err(err).Str("page", name).Msg("console: rendering failed")
	}
}

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	var rows []Row
	for _, a := range s.newestFirst() {
		rows = append(rows, RowOf(a))
	}
	s.render(w, "index.html", map[string]any{"Title": "attempts", "Rows": rows, "Cap": s.o.Ring.Cap()})
}

// find answers 404 itself when the id is not (or no longer) in the ring.
func (s *Server) find(w http.ResponseWriter, r *http.Request) (record.Attempt, bool) {
	a, ok := s.o.Ring.Find(r.PathValue("id"))
	if !ok {
		http.Error(w, "no such attempt (the ring keeps the last "+itoa(s.o.Ring.Cap())+")", http.StatusNotFound)
	}
	return a, ok
}

type messageView struct {
	Index     int
	Dir       string
	StartLine string
	Time      string
	Raw       string
}

func (s *Server) attempt(w http.ResponseWriter, r *http.Request) {
	a, ok := s.find(w, r)
	if !ok {
		return
	}
	var msgs []messageView
	for i, m := range a.Messages {
		dir := "received from " + a.Peer
		if m.Out {
			dir = "sent to " + a.Peer
		}
		msgs = append(msgs, messageView{i, dir, m.StartLine, m.Time.Format("15:04:05.000"), m.Raw})
	}
	js, _ := json.MarshalIndent(a, "", "  ")
	s.render(w, "attempt.html", map[string]any{
		"Title": "attempt " + a.ID, "A": a, "Row": RowOf(a),
		// Ladder escapes every text it draws, so its output is markup the page may include as it is.
		"Ladder":   template.HTML(artifact.Ladder(a)),
		"Messages": msgs, "Trace": traceViews(a.Trace), "Matches": matchScenarios(s.o.Library, a),
		"JSON": string(js),
	})
}

func (s *Server) ladderSVG(w http.ResponseWriter, r *http.Request) {
	a, ok := s.find(w, r)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", `attachment; filename="attempt-`+a.ID+`.svg"`)
	_, _ = w.Write([]byte(artifact.Ladder(a)))
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.newestFirst())
}

func (s *Server) apiOne(w http.ResponseWriter, r *http.Request) {
	if a, ok := s.find(w, r); ok {
		writeJSON(w, a)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Server) scenarioList(w http.ResponseWriter, r *http.Request) {
	type item struct {
		*scenarios.Scenario
		Playable bool
	}
	var list []item
	for _, sc := range s.o.Library {
		list = append(list, item{sc, s.o.Play != nil && playable(sc)})
	}
	s.render(w, "scenarios.html", map[string]any{"Title": "scenarios", "List": list, "Error": r.URL.Query().Get("error")})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
