// Package artifact turns one attempt record into the files a reader takes away: its ladder diagram
// (SVG) and its messages as a capture of their own (pcapng). The console serves them per attempt;
// edgesim regress writes them beside its JUnit file as each case's attachments.
package artifact

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/edgesim/edgesim/edge/policy"
	"github.com/edgesim/edgesim/record"
)

// The ladder's geometry, in SVG user units; the page scales it to the width it has.
const (
	ladderWidth = 1000
	colUC       = 250 // the UC side: the Expressway-E, the far end of a federation connection
	colEdge     = 600
	colUser     = 900 // the Skype user behind the Edge
	headHeight  = 78
	rowHeight   = 46
	labelChars  = 44  // a start line longer than this is cut; the full message is a click away
	bandChars   = 100 // what fits a band (860 px at 15 px); the whole text is the band's tooltip
)

// ladderRow is one row of the ladder: an arrow (a SIP message, or a dashed step inside the Edge's
// pool that is not on the federation wire) or a band across the columns (DNS, TLS, the verdict).
type ladderRow struct {
	band      string // band text; "" for an arrow
	bandClass string // dns | tls | verdict-pass | verdict-fail
	from, to  int    // arrow columns
	label     string
	msg       int // index into the attempt's messages, -1 for a step or a band
	at        time.Time
	dashed    bool
}

// Ladder draws a as an SVG ladder diagram. It is a pure function of the attempt (golden-file
// tested), so the page, the download and the test all see the same bytes; every text from the wire
// is escaped here, as the SVG is put into the page as it is.
func Ladder(a record.Attempt) string {
	rows := ladderRows(a)
	h := headHeight + rowHeight*len(rows) + 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="ladder" viewBox="0 0 %d %d" width="%d" height="%d" font-family="DejaVu Sans, Arial, sans-serif">`+"\n", ladderWidth, h, ladderWidth, h)
	b.WriteString(`<style>.t{font-size:13px;fill:#444}.c{font-size:17px;font-weight:bold;fill:#111}.s{font-size:13px;fill:#555}` +
		`.l{font-size:15px;fill:#111;font-family:DejaVu Sans Mono,monospace}.life{stroke:#999;stroke-width:2}` +
		`.a{stroke:#1a4f9c;stroke-width:2.5}.a.dash{stroke-dasharray:6 5;stroke:#666}.b{font-size:15px;fill:#111}` +
		`.dns{fill:#e8f0fb}.tls{fill:#eef7ee}.verdict-pass{fill:#d8f0d8}.verdict-fail{fill:#fbdada}` +
		`.msg{cursor:pointer}.msg:hover .l,.msg:focus .l{fill:#1a4f9c;text-decoration:underline}</style>` + "\n")
	b.WriteString(`<defs><marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#1a4f9c"/></marker></defs>` + "\n")
	for _, c := range columns(a) {
		fmt.Fprintf(&b, `<text class="c" x="%d" y="26" text-anchor="middle">%s</text>`+"\n", c.x, esc(c.title))
		fmt.Fprintf(&b, `<text class="s" x="%d" y="46" text-anchor="middle">%s</text>`+"\n", c.x, esc(c.sub))
		fmt.Fprintf(&b, `<line class="life" x1="%d" y1="56" x2="%d" y2="%d"/>`+"\n", c.x, c.x, h-12)
	}
	prev := a.Start
	for i, r := range rows {
		y := headHeight + i*rowHeight
		if r.band != "" {
			fmt.Fprintf(&b, `<rect class="%s" x="120" y="%d" width="%d" height="%d" rx="6"/>`+"\n", r.bandClass, y+4, ladderWidth-140, rowHeight-8)
			fmt.Fprintf(&b, `<text class="b" x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", ladderWidth/2+50, y+rowHeight/2+5, bandLabel(r.band))
			continue
		}
		if !r.at.IsZero() {
			fmt.Fprintf(&b, `<text class="t" x="8" y="%d">%s</text>`+"\n", y+20, esc(offset(r.at.Sub(a.Start))))
			fmt.Fprintf(&b, `<text class="t" x="8" y="%d">Δ %s</text>`+"\n", y+37, esc(ms(r.at.Sub(prev))))
			prev = r.at
		}
		open := ""
		if r.msg >= 0 {
			open = fmt.Sprintf(`<g class="msg" data-msg="%d" tabindex="0"><title>%s</title>`, r.msg, esc(a.Messages[r.msg].StartLine))
			b.WriteString(open + "\n")
		}
		class := "a"
		if r.dashed {
			class = "a dash"
		}
		ay := y + 32
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#ah)"/>`+"\n", class, r.from, ay, r.to, ay)
		fmt.Fprintf(&b, `<text class="l" x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", (r.from+r.to)/2, ay-9, esc(cut(r.label)))
		if open != "" {
			b.WriteString("</g>\n")
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

type column struct {
	x          int
	title, sub string
}

func columns(a record.Attempt) []column {
	peer := a.PeerName
	if peer == "" {
		peer = a.Peer
	}
	edgeSub := ""
	if len(a.Messages) > 0 {
		edgeSub, _, _ = strings.Cut(a.Messages[0].Conn, " → ")
	} else if len(a.TLS) > 0 {
		edgeSub, _, _ = strings.Cut(a.TLS[0].Conn, " → ")
	}
	user := a.ToDomain
	if a.Direction == record.Outbound {
		user = a.FromDomain
	}
	return []column{{colUC, "UC side / Expressway-E", peer}, {colEdge, "the Edge", edgeSub}, {colUser, "Skype user", user}}
}

// ladderRows orders what the attempt holds. DNS lookups and handshakes carry no time of their own,
// so they go where the Edge makes them: outbound, the lookups and the handshake come before the
// first message and the verdict after the last; inbound, the handshake comes first, and the lookups
// and the verdict sit between the request and the Edge's first answer.
func ladderRows(a record.Attempt) []ladderRow {
	var rows []ladderRow
	dns := func() {
		for _, d := range a.DNS {
			rows = append(rows, ladderRow{band: dnsText(d), bandClass: "dns", msg: -1})
		}
	}
	handshakes := func() {
		for _, t := range a.TLS {
			rows = append(rows, ladderRow{band: tlsText(t), bandClass: "tls", msg: -1})
		}
	}
	verdict := func() {
		if v, class := verdictText(a); v != "" {
			rows = append(rows, ladderRow{band: v, bandClass: class, msg: -1})
		}
	}
	inbound := a.Direction == record.Inbound
	if !inbound {
		rows = append(rows, ladderRow{from: colUser, to: colEdge, label: "call to " + a.ToDomain, at: a.Start, dashed: true, msg: -1})
		dns()
	}
	handshakes()
	placed := false
	for i, m := range a.Messages {
		if inbound && m.Out && !placed {
			dns()
			verdict()
			placed = true
		}
		r := ladderRow{from: colUC, to: colEdge, label: m.StartLine, msg: i, at: m.Time}
		if m.Out {
			r.from, r.to = colEdge, colUC
		}
		rows = append(rows, r)
	}
	if !inbound || !placed {
		if inbound {
			dns()
		}
		verdict()
	}
	if !inbound && a.Status != 0 {
		rows = append(rows, ladderRow{from: colEdge, to: colUser, label: fmt.Sprintf("%d to the Skype client", a.Status), at: a.End, dashed: true, msg: -1})
	}
	return rows
}

func dnsText(d record.DNSLookup) string {
	s := fmt.Sprintf("DNS %s %s → ", d.Type, d.Question)
	switch {
	case d.Error != "":
		s += d.Error
	case len(d.Answer) == 0:
		s += d.Rcode
	default:
		s += strings.Join(d.Answer, ", ")
	}
	if d.CacheHit {
		s += " (cached)"
	}
	return s
}

func tlsText(t record.TLS) string {
	parts := []string{"TLS"}
	if t.Version != "" {
		parts = append(parts, t.Version)
	}
	if t.Cipher != "" {
		parts = append(parts, t.Cipher)
	}
	if t.Alert != "" {
		parts = append(parts, "alert: "+t.Alert)
	} else if t.Error != "" {
		parts = append(parts, "failed: "+t.Error)
	}
	return strings.Join(parts, " · ")
}

// verdictText is the rule verdict as a band: the first rule that failed, or that all passed.
func verdictText(a record.Attempt) (string, string) {
	if len(a.Trace) == 0 {
		return "", ""
	}
	for _, r := range a.Trace {
		if r.Outcome == policy.Fail {
			s := "verdict: " + string(r.Name) + " failed"
			if a.Status != 0 {
				s += " → " + OutcomeText(a)
			}
			return s, "verdict-fail"
		}
	}
	return fmt.Sprintf("verdict: %d rules passed", len(a.Trace)), "verdict-pass"
}

func offset(d time.Duration) string { return "+" + ms(d) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func cut(s string) string { return cutTo(s, labelChars) }

func cutTo(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// bandLabel is a band's text, escaped; one too long for the band is cut, its whole text a tooltip.
func bandLabel(s string) string {
	if c := cutTo(s, bandChars); c != s {
		return "<title>" + esc(s) + "</title>" + esc(c)
	}
	return esc(s)
}

func esc(s string) string { return html.EscapeString(s) }
