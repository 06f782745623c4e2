"""IVR answer latency (R1): INVITE -> 200 OK as seen on the wire, median over N calls through
the real Asterisk, against a baseline measured in the same run: a bare SIPp UAS answering the
same SIPp UAC on the same loopback (the SIP stack floor of this machine).

    .venv/bin/python bench/ivr_latency.py [--calls 20]

Starts its own hotline instance (free ports, instance "bench"); needs root (chroot, capture)
and tshark (`apt-get install tshark`; not installed by scripts/setup, the tests don't need it)."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from callsim import place_call, tone
from settings import load_settings

PROJECT = Path(__file__).resolve().parents[1]
CONFIG = PROJECT / "tests" / "telephony" / "hotline-test.toml"


def free_port(kind: int = socket.SOCK_STREAM, host: str = "127.0.0.1") -> int:
    # Ports nobody holds now, so the benchmark runs beside `make up` and the test suite.
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


SIP_PORT = free_port(socket.SOCK_DGRAM)
ENV = {
    "HOTLINE_SIP__BIND": f"127.0.0.1:{SIP_PORT}", "HOTLINE_AMI__BIND": f"127.0.0.1:{free_port()}",
    "HOTLINE_AGI__BIND": f"127.0.0.1:{free_port()}",
    "HOTLINE_API__BIND": f"127.0.0.1:{free_port()}",
    "HOTLINE_STORAGE__ASTERISK_INSTANCE": "bench",
    "HOTLINE_STORAGE__ASTERISK_ROOT": str(PROJECT / "var" / "asterisk"),
}
BASELINE_UAS = ("127.0.0.50", free_port(socket.SOCK_DGRAM, "127.0.0.50"))


def capture(pcap: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["tshark", "-q", "-i", "lo", "-w", str(pcap), "-f",
                             f"udp port {SIP_PORT} or udp port {BASELINE_UAS[1]}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)  # tshark needs a moment before it captures
    return proc


def latencies(pcap: Path, port: int) -> list[float]:
    out = subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", f"sip && udp.port == {port}", "-T", "fields",
         "-e", "frame.time_epoch", "-e", "sip.Call-ID", "-e", "sip.Method",
         "-e", "sip.Status-Code", "-e", "sip.CSeq.method"],
        capture_output=True, text=True, check=True, timeout=120).stdout
    invites: dict[str, float] = {}
    answers: dict[str, float] = {}
    for line in out.splitlines():
        ts, call_id, method, status, cseq = (line.split("\t") + [""] * 5)[:5]
        if method == "INVITE":
            invites.setdefault(call_id, float(ts))
        elif status == "200" and cseq == "INVITE":
            answers.setdefault(call_id, float(ts))
    return [(answers[c] - t) * 1000 for c, t in invites.items() if c in answers]


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[int(0.9 * (len(values) - 1))]
    return (f"{name:<28} n={len(values):3d}  median {statistics.median(values):7.2f} ms  "
            f"p90 {p90:7.2f} ms  min {values[0]:6.2f}  max {values[-1]:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    env = {**ENV, "HOTLINE_STORAGE__DATABASE_URL": f"sqlite:///{work}/calls.db",
           "HOTLINE_STORAGE__RECORDINGS_DIR": str(work / "rec"),
           "HOTLINE_STORAGE__SPOOL_DIR": str(work / "spool")}
    settings = load_settings(CONFIG, environ=env)
    service = subprocess.Popen([sys.executable, "-m", "hotline", "up", "-c", str(CONFIG)],
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=(work / "service.log").open("wb"))
    uas = subprocess.Popen(["sipp", "-sn", "uas", "-i", BASELINE_UAS[0], "-p",
                            str(BASELINE_UAS[1]), "-nostdin", "-bg"], cwd=work,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pcap = work / "sip.pcap"
    tshark = None
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://{settings.api.bind}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or service.poll() is not None:
                sys.exit(f"service did not start: {(work / 'service.log').read_text()[-2000:]}")
            time.sleep(0.2)
        tshark = capture(pcap)
        audio = tone(600, work)
        for i in range(args.calls):  # interleaved, so both see the same machine state
            place_call(settings.sip.bind, settings.hotline.number, f"1380000{i:04d}", audio,
                       0.3, local_ip=settings.sip.trunk_hosts[0])
            subprocess.run(["sipp", f"{BASELINE_UAS[0]}:{BASELINE_UAS[1]}", "-sn", "uac",
                            "-i", "127.0.0.51", "-m", "1", "-d", "300", "-nostdin",
                            "-timeout", "10s"], cwd=work, capture_output=True, timeout=20)
        time.sleep(1.0)
    finally:
        if tshark is not None:
            tshark.send_signal(signal.SIGINT)
            tshark.wait(timeout=10)
        service.send_signal(signal.SIGINT)
        service.wait(timeout=30)
        subprocess.run(["pkill", "-f", "--", f"-i {BASELINE_UAS[0]} -p {BASELINE_UAS[1]}"],
                       check=False)
        uas.wait(timeout=10)
    hotline = latencies(pcap, SIP_PORT)
    baseline = latencies(pcap, BASELINE_UAS[1])
    print(summary("hotline IVR (Asterisk)", hotline))
    print(summary("baseline (SIPp UAS)", baseline))
    print(f"ratio of medians: {statistics.median(hotline) / statistics.median(baseline):.2f}x")


if __name__ == "__main__":
    main()
