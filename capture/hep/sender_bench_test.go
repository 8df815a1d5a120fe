//go:build unix

package hep

import (
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkSenderBatch is what HEP costs the Recorder's worker for one call: the seven SIP
// messages of an answered call (about 540 bytes each) added and sent in one sendmmsg, to a UDP
// socket that never reads, as BenchmarkInboundCall's sink. The kernel's share is reported apart
// (sys-ns/op): callgrind does not see it. batch-of-70 is ten calls' messages in one send, as a
// busy Edge's batches are.
func BenchmarkSenderBatch(b *testing.B) {
	for _, perSend := range []int{7, 70} {
		name := "one-call"
		if perSend == 70 {
			name = "batch-of-70"
		}
		b.Run(name, func(b *testing.B) {
			sink, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			s, err := Dial("udp:"+sink.LocalAddr().String(), 0)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p := Packet{Src: netip.MustParseAddrPort("127.0.0.1:40000"), Dst: netip.MustParseAddrPort("127.0.0.1:5061"), Proto: ProtoTCP,
				Time: time.Now(), Type: TypeSIP, CorrelationID: "fc27b352-365f-41d8-908d-1380edb76b7e",
				Payload: []byte("SIP/2.0 200 OK\r\n" + strings.Repeat("X-Header: some value of a SIP header\r\n", 13) + "\r\n")}
			b.ReportAllocs()
			user, sys := userSys()
			for b.Loop() {
				for range perSend / 7 {
					for range 7 {
						if err := s.Add(p); err != nil {
							b.Fatal(err)
						}
					}
				}
				_ = s.Flush() // the sink's full buffer refuses some: the kernel has done the work by then
			}
			u, y := userSys()
			calls := float64(b.N) * float64(perSend/7)
			b.ReportMetric(float64(u-user)/calls, "user-ns/call")
			b.ReportMetric(float64(y-sys)/calls, "sys-ns/call")
		})
	}
}

func userSys() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
