package sipstack

// The messages of log lines that any outside party can cause at will, as often as it likes: the
// process logger bounds these per interval (package lograte), while the metrics count every one.
const (
	MsgHandshakeRefused = "TLS handshake refused; no SIP answer is possible"
	MsgUnparsable       = "unparsable or oversized SIP from the peer; connection closed"
	MsgConnRefused      = "connection refused"
	MsgAcceptFailed     = "accept failed; retrying with backoff"
	MsgMessageTimeout   = "SIP message not complete within edge.message_timeout; closing the connection"
	MsgMalformed        = "malformed request"
)

// PeerTriggered lists them, with sipgo's own lines that a peer causes: a parse failure, a
// transaction it cannot key or answer, and the warning sipgo v1.7.3 writes for every connection a
// peer closes before the Edge does (4,096 of them when a held flood lets go).
var PeerTriggered = []string{
	MsgHandshakeRefused, MsgUnparsable, MsgConnRefused, MsgAcceptFailed, MsgMessageTimeout, MsgMalformed,
	"failed to parse", "Server tx failed to handle request", "connection pool not clean cleanup",
}
