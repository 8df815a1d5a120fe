# bench/sipp_xml.sh: the SIPp scenarios the load scripts share (sourced).

# uac_xml FROM_DOMAIN FINAL: the Expressway-like call; FINAL 504 acks the
# refusal, 200 acks, hangs up and waits for the 200 to BYE.
uac_xml() {
	local from=$1 final=$2
	cat <<XML
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="expressway-$final">
<send retrans="500"><![CDATA[
INVITE sip:stejanss@skype.lab SIP/2.0
Via: SIP/2.0/TLS [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
From: <sip:2000@$from>;tag=[pid]SIPpTag[call_number]
To: <sip:stejanss@skype.lab>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:2000@[local_ip]:[local_port];transport=tls>
User-Agent: TANDBERG/4352 (X14.2.5)
Content-Type: application/sdp
Content-Length: [len]

v=0
o=tandberg 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio 20000 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="183" optional="true"/>
XML
	if [ "$final" = 504 ]; then
		cat <<'XML'
<recv response="504"/>
<send><![CDATA[
ACK sip:stejanss@skype.lab SIP/2.0
[last_Via:]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Content-Length: 0

]]></send>
XML
	else
		cat <<'XML'
<recv response="200" rrs="true"/>
<send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/TLS [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Content-Length: 0

]]></send>
<send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/TLS [local_ip]:[local_port];branch=[branch]
Max-Forwards: 70
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 2 BYE
Content-Length: 0

]]></send>
<recv response="200"/>
XML
	fi
	echo '</scenario>'
}

# uas_xml FINAL: SIPp as the reference server, answering what edgesim does.
uas_xml() {
	local final=$1
	echo '<?xml version="1.0" encoding="ISO-8859-1" ?><scenario name="uas-'"$final"'">'
	echo '<recv request="INVITE"/>'
	if [ "$final" = 504 ]; then
		cat <<'XML'
<send><![CDATA[
SIP/2.0 504 Server time-out
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag[call_number]
[last_Call-ID:]
[last_CSeq:]
Server: RTC/6.0
ms-diagnostics: 1009;reason="No match for domain in DNS SRV results";source="sip.skype.lab"
Content-Length: 0

]]></send>
<recv request="ACK"/>
XML
	else
		cat <<'XML'
<send><![CDATA[
SIP/2.0 180 Ringing
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:stejanss@[local_ip]:[local_port];transport=tls>
Server: RTC/6.0
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=session
c=IN IP4 [local_ip]
t=0 0
m=audio 50000 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
]]></send>
<recv request="ACK"/>
<recv request="BYE"/>
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
XML
	fi
	echo '</scenario>'
}

