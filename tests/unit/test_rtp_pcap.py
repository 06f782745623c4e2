"""callsim.wire.write_rtp_pcap: the pcap a test phone plays (SIPp play_pcap_audio) carries the
audio in 20 ms PCMU packets numbered from the chosen value, wrapping after 65535, and reads
back with the same reader that decodes what a party received."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callsim.wire import read_rtp, write_rtp_pcap


def _sequence_numbers(pcap: Path) -> list[int]:
    data, offset, found = pcap.read_bytes(), 24, []
    while offset + 16 <= len(data):
        length = struct.unpack("<I", data[offset + 8:offset + 12])[0]
        frame = data[offset + 16:offset + 16 + length]
        found.append(struct.unpack(">H", frame[14 + 20 + 8 + 2:14 + 20 + 8 + 4])[0])
        offset += 16 + length
    return found


@settings(max_examples=25, deadline=None)
@given(first=st.integers(min_value=0, max_value=0xFFFF), frames=st.integers(1, 80))
def test_packets_are_numbered_from_the_first_and_wrap(tmp_path_factory: pytest.TempPathFactory,
                                                       first: int, frames: int) -> None:
    ulaw = bytes(range(256)) * (frames * 160 // 256 + 1)
    pcap = write_rtp_pcap(ulaw[:frames * 160], tmp_path_factory.mktemp("pcap") / "a.pcap", first)
    assert _sequence_numbers(pcap) == [(first + i) % 65536 for i in range(frames)]
    packets = read_rtp(pcap)
    assert [p for _, p in packets] == [ulaw[i * 160:(i + 1) * 160] for i in range(frames)]
    assert [round(t, 3) for t, _ in packets] == [round(i * 0.02, 3) for i in range(frames)]


def test_a_sequence_number_outside_16_bits_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="first_seq"):
        write_rtp_pcap(bytes(160), tmp_path / "a.pcap", 65536)
