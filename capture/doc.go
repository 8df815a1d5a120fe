// Package capture writes what crossed a federation connection in the forms engineers' own tools read:
// pcapng (github.com/gopacket/gopacket's pcapgo) with synthetic IPv4/IPv6 + TCP framing around the
// real TLS bytes and a Decryption Secrets Block carrying the TLS key log, so Wireshark and tshark
// show the decrypted SIP with no options; and the NSS key log on its own, for people who take their
// own tcpdump. It is fed by the Edge and knows nothing of SIP or the policy.
package capture
