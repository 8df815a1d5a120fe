package capture

import "encoding/binary"

// The pcapng Decryption Secrets Block (pcapng specification, section "Decryption Secrets Block"):
//
//	Block Type = 0x0000000A | Block Total Length | Secrets Type | Secrets Length |
//	Secrets Data (padded to 32 bits) | Options (none here) | Block Total Length
//
// pcapgo v1.7.7 reads the block but has no writer for it, so it is written here, into the same
// stream as pcapgo's blocks, in the section's byte order (little-endian, as pcapgo writes).
const (
	blockTypeDSB      = 0x0000000A
	secretsTypeTLSKey = 0x544c534b // "TLSK": an NSS key log
)

// appendDSB appends a Decryption Secrets Block of NSS key-log lines.
func appendDSB(b, secrets []byte) []byte {
	pad := (4 - len(secrets)%4) % 4
	total := uint32(20 + len(secrets) + pad)
	b = binary.LittleEndian.AppendUint32(b, blockTypeDSB)
	b = binary.LittleEndian.AppendUint32(b, total)
	b = binary.LittleEndian.AppendUint32(b, secretsTypeTLSKey)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(secrets)))
	b = append(b, secrets...)
	b = append(b, make([]byte, pad)...)
	return binary.LittleEndian.AppendUint32(b, total)
}
