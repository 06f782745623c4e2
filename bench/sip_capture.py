"""SIP timing read from a packet capture (tcpdump -w on loopback, filtered on one Asterisk's SIP
port): when each caller's INVITE reached Asterisk, when Asterisk's 200 OK left, when the caller
hung up. Pure: reads the classic pcap format itself (no tshark), so it is unit-tested."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

# Link-layer header lengths of the pcap link types tcpdump writes for loopback.
_LINK_HEADER = {1: 14, 113: 16, 276: 20, 0: 4}
_SIP_USER = re.compile(r"sips?:([^@;>]+)@")


@dataclass(frozen=True)
class SipPacket:
    at: float
    src_port: int
    dst_port: int
    first_line: str
    call_id: str
    cseq_method: str
    from_user: str = ""


@dataclass
class CallTiming:
    invite_at: float | None = None
    answered_at: float | None = None
    bye_at: float | None = None
    caller: str = ""

    @property
    def answer_ms(self) -> float | None:
        if self.invite_at is None or self.answered_at is None:
            return None
        return (self.answered_at - self.invite_at) * 1000


def read_pcap(data: bytes) -> list[SipPacket]:
    """UDP/IPv4 SIP packets of a pcap file's bytes (other packets are skipped)."""
    if len(data) < 24:
        return []
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError("not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    skip = _LINK_HEADER.get(linktype)
    if skip is None:
        raise ValueError(f"pcap link type {linktype} is not handled")
    packets = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        at = sec + frac / (1e9 if nano else 1e6)
        packet = _sip(frame[skip:], at)
        if packet is not None:
            packets.append(packet)
    return packets


def _sip(ip: bytes, at: float) -> SipPacket | None:
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:  # IPv4, UDP
        return None
    header = (ip[0] & 0x0F) * 4
    src_port, dst_port = struct.unpack("!HH", ip[header:header + 4])
    text = ip[header + 8:].decode("utf-8", errors="replace")
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head or not head[0]:
        return None
    call_id = cseq = user = ""
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name in ("call-id", "i"):
            call_id = value.strip()
        elif name == "cseq":
            cseq = value.split()[-1] if value.split() else ""
        elif name in ("from", "f"):
            found = _SIP_USER.search(value)
            user = found.group(1) if found else ""
    return SipPacket(at, src_port, dst_port, head[0], call_id, cseq, user)


def call_timings(packets: list[SipPacket], asterisk_port: int) -> dict[str, CallTiming]:
    """Per Call-ID of calls placed *to* Asterisk (the callers' legs): the first INVITE in,
    the first 200 OK to that INVITE out, the caller's BYE in. Asterisk's own legs to the
    agents' phones (INVITEs out of its port) are not callers' calls and are left out."""
    calls: dict[str, CallTiming] = {}
    for p in packets:
        inbound = p.dst_port == asterisk_port
        if inbound and p.first_line.startswith("INVITE "):
            timing = calls.setdefault(p.call_id, CallTiming())
            if timing.invite_at is None:
                timing.invite_at, timing.caller = p.at, p.from_user
        elif p.call_id not in calls:
            continue
        elif (not inbound and p.first_line.startswith("SIP/2.0 200")
              and p.cseq_method == "INVITE" and calls[p.call_id].answered_at is None):
            calls[p.call_id].answered_at = p.at
        elif inbound and p.first_line.startswith("BYE ") and calls[p.call_id].bye_at is None:
            calls[p.call_id].bye_at = p.at
    return calls


def timings_of(pcap: Path, asterisk_port: int) -> tuple[dict[str, CallTiming], int]:
    """The callers' timings and the number of calls agents answered."""
    packets = read_pcap(pcap.read_bytes())
    return call_timings(packets, asterisk_port), agent_answers(packets, asterisk_port)


def agent_answers(packets: list[SipPacket], asterisk_port: int) -> int:
    """Calls answered by agents' phones: 200 OKs to INVITEs arriving at Asterisk (the callers'
    200s leave from it). A queued caller who was never bridged shows none."""
    return len({p.call_id for p in packets
                if p.dst_port == asterisk_port and p.first_line.startswith("SIP/2.0 200")
                and p.cseq_method == "INVITE"})
