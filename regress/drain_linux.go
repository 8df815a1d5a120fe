package regress

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// tcpStates names the kernel's TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h).
var tcpStates = map[string]string{"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
	"05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}

// openConns lists the sockets of this network namespace on local TCP port port that are not yet
// closed on both sides, as "STATE remote" each: after the Edge closed its listener and connections,
// a FIN_WAIT2 one is a connection whose peer has not yet read the Edge's FIN and closed its end.
func openConns(port int) ([]string, error) {
	var out []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		lines, err := openOn(f, port)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, lines...)
	}
	return out, nil
}

func openOn(f *os.File, port int) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(f)
	sc.Scan() // the header line
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		local, remote, state := fields[1], fields[2], fields[3]
		_, hexPort, _ := strings.Cut(local, ":")
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || int(p) != port || state == "06" || state == "07" {
			continue
		}
		out = append(out, tcpStates[state]+" "+procAddr(remote))
	}
	return out, sc.Err()
}

// procAddr reads /proc/net/tcp's address form: the IP as 32-bit words in host (little-endian)
// order, then the port in hex.
func procAddr(s string) string {
	h, p, _ := strings.Cut(s, ":")
	b, err := hex.DecodeString(h)
	port, err2 := strconv.ParseUint(p, 16, 16)
	if err != nil || err2 != nil || (len(b) != 4 && len(b) != 16) {
		return s
	}
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	ip, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)).String()
}
