package policy

import "fmt"

// LogLevel is the Edge-log severity; it picks TL_WARN/TL_ERROR and the SIPAdminLog.cpp line (§5).
type LogLevel int

// Severities the Edge writes for refusals.
const (
	LevelWarning LogLevel = iota
	LevelError
)

func (l LogLevel) String() string {
	if l == LevelError {
		return "error"
	}
	return "warning"
}

// MarshalText keeps the level readable in a verdict's JSON.
func (l LogLevel) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// ResultCode is an Edge HRESULT with its symbolic name, as in `Result-Code: 0xc3e93d6f NAME`.
type ResultCode struct {
	Value uint32 `json:"-"`
	Name  string `json:"name"`
}

// Hex is the lower-case 0x form the Edge log uses.
func (r ResultCode) Hex() string { return fmt.Sprintf("0x%08x", r.Value) }

// String is the Result-Code line's value: hex, then name.
func (r ResultCode) String() string { return r.Hex() + " " + r.Name }

// IsZero reports the absence of a code: the behaviour writes no Edge-log record.
func (r ResultCode) IsZero() bool { return r.Value == 0 }

// LogRecord is what a refusal writes to the Edge log; the message fields come from the I/O side.
type LogRecord struct {
	Level  LogLevel   `json:"severity"`
	Text   string     `json:"text"`
	Result ResultCode `json:"result_code"`
	Data   []Attr     `json:"data,omitempty"`
}

// DataLine is the record's Data value: the attributes joined with ';'.
func (r LogRecord) DataLine() string { return JoinAttrs(r.Data) }
