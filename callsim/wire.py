"""What a party actually received on the wire: its RTP captured with tcpdump (loopback) and
decoded to a timeline, so a test can check what a caller heard (e.g. music on hold, R9), which
a recording cannot show (MixMonitor's "heard" side is silent while the caller is on hold)."""

from __future__ import annotations

import shutil
import signal
import struct
import subprocess
import time
from pathlib import Path

import numpy as np

RATE = 8000


class CaptureError(RuntimeError):
    pass


def _ulaw_table() -> np.ndarray:
    """G.711 u-law byte -> linear sample in [-1, 1)."""
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign, exponent, mantissa = codes & 0x80, (codes >> 4) & 0x07, codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.float64) / 32768.0


ULAW = _ulaw_table()


class RtpCapture:
    """tcpdump of the UDP packets sent to `host:port` (a party's RTP port), from start to
    stop; audio() decodes the PCMU payloads placed at their arrival times."""

    def __init__(self, host: str, port: int, target: Path) -> None:
        self.host, self.port, self.target = host, port, target
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RtpCapture:
        tcpdump = shutil.which("tcpdump")
        if tcpdump is None:
            raise CaptureError("tcpdump is not installed (apt-get install tcpdump)")
        self.proc = subprocess.Popen(
            [tcpdump, "-i", "lo", "-U", "--immediate-mode", "-w", str(self.target),
             f"udp and dst host {self.host} and dst port {self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        while not self.target.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # tcpdump creates the file once it listens
        time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def audio(self) -> tuple[np.ndarray, float]:
        """(samples at 8 kHz, epoch time of the first sample); silence where nothing came."""
        packets = read_rtp(self.target)
        if not packets:
            return np.zeros(0), 0.0
        start = packets[0][0]
        end = packets[-1][0] + len(packets[-1][1]) / RATE
        out = np.zeros(int((end - start) * RATE) + 1)
        for at, payload in packets:
            i = int((at - start) * RATE)
            chunk = ULAW[np.frombuffer(payload, dtype=np.uint8)]
            out[i:i + len(chunk)] = chunk[:len(out) - i]
        return out, start


def read_rtp(pcap: Path) -> list[tuple[float, bytes]]:
    """(arrival epoch time, PCMU payload) of every RTP packet in a pcap of Ethernet frames (the
    loopback's link type) or raw IP."""
    data = pcap.read_bytes()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        raise CaptureError(f"{pcap}: not a little-endian pcap file")
    nano = magic == 0xA1B23C4D
    link = struct.unpack("<I", data[20:24])[0]
    offset, found = 24, []
    while offset + 16 <= len(data):
        sec, frac, length, _ = struct.unpack("<IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + length]
        offset += 16 + length
        ip = frame[14:] if link == 1 else frame
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        rtp = ip[(ip[0] & 0x0F) * 4 + 8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or rtp[1] & 0x7F != 0:
            continue  # not RTP, or not PCMU (e.g. telephone-event)
        header = 12 + 4 * (rtp[0] & 0x0F)
        if rtp[0] & 0x10:  # header extension
            header += 4 + 4 * struct.unpack(">H", rtp[header + 2:header + 4])[0]
        found.append((sec + frac / (1e9 if nano else 1e6), bytes(rtp[header:])))
    return found


def write_rtp_pcap(ulaw: bytes, target: Path, first_seq: int, ssrc: int = 0x5EC0AB1E,
                   first_timestamp: int = 0x12345678, dst_port: int = 6000) -> Path:
    """A pcap (Ethernet, IPv4, UDP) of PCMU RTP packets carrying `ulaw`, 20 ms apart, numbered
    from `first_seq` (wrapping after 65535), for SIPp's `play_pcap_audio`, which sends each
    packet's RTP header as it is (only the UDP ports and addresses are the call's). A real phone
    starts its sequence numbers at random (RFC 3550, 5.1); SIPp's `rtp_stream` starts near 0,
    so this is how a test gets a phone whose numbers start high or cross the wrap."""
    if not 0 <= first_seq <= 0xFFFF:
        raise ValueError(f"first_seq {first_seq} is not a 16-bit sequence number")
    frame = 160  # samples (bytes of u-law) in 20 ms
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(len(ulaw) // frame):
        payload = ulaw[i * frame:(i + 1) * frame]
        rtp = struct.pack(">BBHII", 0x80, 0, (first_seq + i) & 0xFFFF,
                          (first_timestamp + i * frame) & 0xFFFFFFFF, ssrc) + payload
        udp = struct.pack(">HHHH", 40000, dst_port, 8 + len(rtp), 0) + rtp
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
        ether = bytes(6) + bytes(6) + b"\x08\x00" + ip
        at = i * 20_000  # microseconds
        out.append(struct.pack("<IIII", at // 1_000_000, at % 1_000_000, len(ether), len(ether)))
        out.append(ether)
    target.write_bytes(b"".join(out))
    return target
