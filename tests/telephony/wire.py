"""What a party actually received on the wire: tcpdump captures the RTP sent to its address
(loopback), and the G.711 u-law payloads are decoded back into audio, so a test checks what a
phone heard, not what Asterisk meant to send (issue 8: live listening in each mode)."""

from __future__ import annotations

import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.telephony import audio

RATE = 8000
# Link-layer header lengths by pcap link type: Ethernet (tcpdump -i lo), Linux cooked v1/v2.
_LINK_HEADER = {1: 14, 113: 16, 276: 20}


def ulaw_decode(payload: bytes) -> np.ndarray:
    """G.711 u-law bytes to samples in [-1, 1]."""
    u = ~np.frombuffer(payload, dtype=np.uint8).astype(np.int32) & 0xFF
    exponent, mantissa = (u >> 4) & 0x07, u & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(u & 0x80, -magnitude, magnitude).astype(np.float64) / 32768.0


@dataclass
class Packet:
    at: float  # capture time (host clock, epoch seconds)
    port: int  # UDP destination port
    samples: np.ndarray


def read_rtp(path: Path) -> list[Packet]:
    """The PCMU RTP packets of a pcap file (SIP and anything else left out)."""
    data = path.read_bytes()
    if len(data) < 24:
        return []
    magic, = struct.unpack("<I", data[:4])
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    link = struct.unpack(endian + "I", data[20:24])[0]
    skip = _LINK_HEADER.get(link, 14)
    packets, offset = [], 24
    while offset + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ip = frame[skip:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:  # IPv4, UDP
            continue
        udp = ip[(ip[0] & 0x0F) * 4:]
        port = struct.unpack(">H", udp[2:4])[0]
        rtp = udp[8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or rtp[1] & 0x7F != 0:  # RTP v2, PT 0 (PCMU)
            continue
        header = 12 + 4 * (rtp[0] & 0x0F)
        if rtp[0] & 0x10 and len(rtp) >= header + 4:  # header extension
            header += 4 + 4 * struct.unpack(">H", rtp[header + 2:header + 4])[0]
        at = sec + frac / (1e9 if nano else 1e6)
        packets.append(Packet(at, port, ulaw_decode(rtp[header:])))
    return packets


class Capture:
    """tcpdump of the UDP sent to one loopback address, from start() to stop()."""

    def __init__(self, host: str, folder: Path) -> None:
        self.host, self.path = host, folder / f"received-{host}.pcap"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Capture:
        tcpdump = shutil.which("tcpdump")
        assert tcpdump is not None, "tcpdump is needed to see what each party received"
        self.proc = subprocess.Popen(
            [tcpdump, "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "0", "-w",
             str(self.path), "udp and dst host " + self.host],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while not self.path.exists() or self.path.stat().st_size < 24:
            assert self.proc.poll() is None, self.proc.stderr and self.proc.stderr.read()
            assert time.monotonic() < deadline, "tcpdump did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def heard(self, start: float, end: float) -> np.ndarray:
        """The audio received in [start, end), packets in arrival order, as one column."""
        chunks = [p.samples for p in read_rtp(self.path) if start <= p.at < end]
        joined = np.concatenate(chunks) if chunks else np.zeros(0)
        return joined.reshape(-1, 1)


def tone_share(received: np.ndarray, freq: float) -> float:
    """Share of the received audio's energy at `freq` (0..1)."""
    return audio.tone_share(received, RATE, 0, 0.0, len(received) / RATE, freq)
