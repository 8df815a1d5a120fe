package edge

// A peer can send refused requests as fast as it can write them: each one is written to the Edge
// log (the record a real Edge keeps) and counted in the metrics, while its process-log line is one of
// the kinds the process logger bounds per interval (package lograte), like sipstack's.
const (
	MsgFederatedRefused = "federated request refused"
	MsgRequestRefused   = "request refused"
)

// PeerTriggered lists the edge package's log lines that a peer causes at will.
var PeerTriggered = []string{MsgFederatedRefused, MsgRequestRefused}
