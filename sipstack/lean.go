package sipstack

import (
	"strconv"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The call path on the Edge's own connections: INVITE, ACK, CANCEL and BYE that arrive on a TLS
// connection the Edge accepted are parsed on the connection's reader and handled with a leanTx,
// not handed to sipgo's transaction layer. Measured bare (bench/README.md), sipgo's goroutine per
// message, its transaction FSM and timers, and the stack each new goroutine grows cost about as
// much as everything the Edge itself does for a refused call. Every other message (OPTIONS,
// MESSAGE, SUBSCRIBE, INFO, responses to the Edge's own requests) still goes to sipgo, and so does
// anything this path cannot frame or key exactly as sipgo would.

// leanPath holds the transactions of the call path and the handlers they run.
type leanPath struct {
	s        *Server
	parser   *sip.Parser
	handlers map[sip.RequestMethod]sipgo.RequestHandler
	work     workerPool
	max      int // edge.max_message_bytes: past it a message is sipgo's to refuse

	acks ackWaits // INVITEs answered non-2xx whose handler awaits the ACK (lean_expiry.go)

	mu  sync.Mutex
	txs map[string]*leanTx // INVITE transactions, by their RFC 3261 §17.2.3 key
}

func newLeanPath(s *Server, parser *sip.Parser) *leanPath {
	p := &leanPath{s: s, parser: parser, txs: make(map[string]*leanTx), max: s.cfg.MaxMessageBytes,
		work: newWorkerPool(s.closed)}
	p.acks.wait = s.cfg.AckTimeout
	p.handlers = map[sip.RequestMethod]sipgo.RequestHandler{
		sip.INVITE: s.tracked(s.onInvite),
		sip.ACK:    s.tracked(s.onAck),
		sip.BYE:    s.tracked(s.onBye),
		sip.CANCEL: s.tracked(s.onCancel),
	}
	return p
}

// leanMethod reports a start line this path takes: a request of its methods, written as sipgo
// would accept it (a bad one goes to sipgo through malformed_start.go's placeholder all the same).
func leanMethod(line []byte) bool {
	for _, m := range leanMethods {
		if len(line) > len(m) && string(line[:len(m)]) == m {
			return true
		}
	}
	return false
}

var leanMethods = [...]string{"INVITE ", "ACK ", "BYE ", "CANCEL "}

// handle takes one whole request that came over ec. It reports false for a request it leaves to
// sipgo, which then gets the bytes as they were. It runs on ec's reader and never waits: an INVITE
// is decided there unless its decision needs a DNS server or its call rings (edge.answer_delay),
// and then it is handled on a worker.
func (p *leanPath) handle(ec *edgeConn, req *sip.Request) bool {
	key, ok := txKey(ec, req, "")
	if !ok {
		return false // sipgo answers a request it cannot key with a stateless 400
	}
	switch req.Method {
	case sip.ACK:
		if tx := p.lookup(key); tx != nil && tx.acked(req) {
			return true
		}
		p.run(ec, req) // the ACK of a 2xx, for the dialog
	case sip.CANCEL:
		ikey, _ := txKey(ec, req, sip.INVITE)
		if tx := p.lookup(ikey); tx != nil {
			cancelTx := newLeanTx(p, ec, req)
			_ = cancelTx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
			tx.cancelled(req)
			return true
		}
		p.run(ec, req)
	case sip.INVITE:
		if tx := p.lookup(key); tx != nil {
			tx.retransmitted()
			return true
		}
		tx := newLeanTx(p, ec, req)
		tx.key = key
		p.put(tx)
		h := p.handlers[sip.INVITE]
		if p.s.cfg.AnswerDelay == 0 {
			// Nothing rings, so the handler waits for nothing unless the decision needs DNS.
			tx.onReader = true
			h(req, tx)
			if !tx.later {
				tx.handlerReturned()
				return true
			}
			tx.onReader, tx.later = false, false
		}
		tx.startTrying()
		p.work.run(func() {
			h(req, tx)
			tx.handlerReturned()
		})
	default:
		p.run(ec, req)
	}
	return true
}

// run handles a request whose handler never waits (ACK, BYE, CANCEL) here, on the reader. Its
// transaction is in no table: it ends with the handler, as sipgo's does on a reliable transport.
func (p *leanPath) run(ec *edgeConn, req *sip.Request) {
	tx := newLeanTx(p, ec, req)
	p.handlers[req.Method](req, tx)
	tx.handlerReturned()
}

func (p *leanPath) lookup(key string) *leanTx {
	p.mu.Lock()
	tx := p.txs[key]
	p.mu.Unlock()
	return tx
}

func (p *leanPath) put(tx *leanTx) {
	tx.ec.leanTxs.Add(1)
	p.mu.Lock()
	p.txs[tx.key] = tx
	p.mu.Unlock()
}

// drop takes tx out of the table; terminate calls it once.
func (p *leanPath) drop(tx *leanTx) {
	tx.ec.leanTxs.Add(-1)
	p.mu.Lock()
	if p.txs[tx.key] == tx {
		delete(p.txs, tx.key)
	}
	p.mu.Unlock()
}

// connClosed ends the transactions of a connection that is gone, as sipgo's transaction layer
// does with TerminateOnConnClose: a handler waiting on one (a ringing INVITE) stops waiting.
func (p *leanPath) connClosed(ec *edgeConn) {
	if ec.leanTxs.Load() == 0 {
		return // most connections that close have none: no walk over every connection's
	}
	p.mu.Lock()
	var gone []*leanTx
	for _, tx := range p.txs {
		if tx.ec == ec {
			gone = append(gone, tx)
		}
	}
	p.mu.Unlock()
	for _, tx := range gone {
		tx.terminate(sip.ErrTransactionTransport)
	}
}

// txKey is the transaction key of RFC 3261 §17.2.3 (branch, sent-by, method; ACK matches its
// INVITE), or of RFC 2543 when the branch has no magic cookie, failing where sipgo's fails. It
// also names the delivering connection: a branch another peer reuses, by mistake or to CANCEL a
// call that is not its own, matches nothing of the first peer's.
func txKey(ec *edgeConn, req *sip.Request, as sip.RequestMethod) (string, bool) {
	via, cseq := req.Via(), req.CSeq()
	if via == nil || cseq == nil {
		return "", false
	}
	method := cseq.MethodName
	if method == sip.ACK {
		method = sip.INVITE
	}
	if as != "" {
		method = as
	}
	port := via.Port
	if port <= 0 {
		port = sip.DefaultPort(via.Transport)
	}
	branch, _ := via.Params.Get("branch")
	if strings.HasPrefix(branch, sip.RFC3261BranchMagicCookie) && len(branch) > len(sip.RFC3261BranchMagicCookie) {
		return connKey(ec) + branch + "\x00" + via.Host + "\x00" + strconv.Itoa(port) + "\x00" + string(method), true
	}
	from, cid := req.From(), req.CallID()
	if from == nil || cid == nil {
		return "", false
	}
	tag, ok := from.Params.Get("tag")
	if !ok {
		return "", false
	}
	return connKey(ec) + tag + "\x00" + cid.Value() + "\x00" + string(method) + "\x00" + strconv.FormatUint(uint64(cseq.SeqNo), 10) +
		"\x00" + via.Host + "\x00" + strconv.Itoa(port), true
}

func connKey(ec *edgeConn) string { return strconv.FormatUint(ec.cid, 16) + "\x00" }
