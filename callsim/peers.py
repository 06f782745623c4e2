"""SIPp processes standing in for people: a caller dialling in, an agent's phone."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from callsim.wire import write_rtp_pcap

SCENARIOS = Path(str(resources.files("callsim").joinpath("scenarios")))


class SippError(RuntimeError):
    pass


def _scenario(name: str, workdir: Path, audio: Path,
              headers: Mapping[str, str] | None = None,
              values: Mapping[str, str] | None = None) -> str:
    """SIPp does not substitute -key values inside action attributes, so the audio file's path
    is written into a copy of the scenario; so are extra INVITE headers (an empty -key value
    would leave a blank line, which ends a SIP message's headers) and `values` ([name] ->
    value, e.g. a pause's milliseconds)."""
    text = (SCENARIOS / name).read_text(encoding="utf-8")
    if audio.suffix == ".pcap":  # RTP packets sent as they are (see rtp_tone)
        text = text.replace('rtp_stream="[audio],-1,0"', 'play_pcap_audio="[audio]"')
    text = text.replace("[audio]", str(audio))
    for key, value in (values or {}).items():
        text = text.replace(f"[{key}]", value)
    lines = "".join(f"      {key}: {value}\n" for key, value in (headers or {}).items())
    text = text.replace("      [extra_headers]\n", lines)
    target = workdir / name
    target.write_text(text, encoding="utf-8")
    return str(target)


def _sipp() -> str:
    path = shutil.which("sipp")
    if path is None:
        raise SippError("sipp is not installed (apt-get install sip-tester)")
    return path


def tone(freq: float, folder: Path, seconds: int = 120, level: float = 0.3) -> Path:
    """A raw u-law file SIPp can stream (rtp_stream sends file bytes as they are)."""
    target = folder / f"tone-{freq:g}.ul"
    if not target.exists():
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-t", "ul", str(target), "synth",
                        str(seconds), "sine", str(freq), "vol", str(level)],
                       check=True, capture_output=True, timeout=30)
    return target


def rtp_tone(freq: float, folder: Path, first_seq: int, seconds: int = 60,
             level: float = 0.3) -> Path:
    """A phone's RTP as a pcap (callsim.wire.write_rtp_pcap): the tone of tone(), in packets
    numbered from first_seq. Given as a phone's audio, SIPp plays it (play_pcap_audio) instead
    of streaming the raw file, so the phone's sequence numbers are the test's choice."""
    target = folder / f"tone-{freq:g}-seq{first_seq}-{seconds}s.pcap"
    if not target.exists():
        raw = tone(freq, folder, seconds, level)
        write_rtp_pcap(raw.read_bytes()[:seconds * 8000], target, first_seq)
    return target


def speech(text: str, folder: Path, period: float, voice: str = "cmn", name: str = "speech",
           lead: float = 0.0, turns: int = 1) -> Path:
    """A raw u-law file SIPp can stream: `lead` seconds of silence, then `turns` turns of
    `period` seconds each, `text` spoken by espeak-ng at the start of each turn and silence
    for the rest. A party that speaks and then listens, so a recording of it has turns of
    speech rather than a continuous tone."""
    target = folder / f"{name}.ul"
    if not target.exists():
        wav = utterance(text, folder, voice, name)
        subprocess.run(["sox", str(wav), "-t", "ul", str(target),
                        "pad", "0", f"{period:g}", "trim", "0", f"{period:g}",
                        "repeat", str(max(0, turns - 1)), "pad", f"{lead:g}", "0"],
                       check=True, capture_output=True, timeout=60)
    return target


def utterance(text: str, folder: Path, voice: str = "cmn", name: str = "speech") -> Path:
    """`text` spoken by espeak-ng as an 8 kHz mono WAV (kept, so its length can be read)."""
    target = folder / f"{name}.wav"
    if not target.exists():
        if shutil.which("espeak-ng") is None:
            raise SippError("espeak-ng is not installed (apt-get install espeak-ng)")
        raw = folder / f"{name}-espeak.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "170", "-w", str(raw), text],
                       check=True, capture_output=True, timeout=30)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", str(target), "gain", "-n",
                        "-6"], check=True, capture_output=True, timeout=30)
    return target


@dataclass
class CallResult:
    returncode: int  # 0: the call went as scripted; 1: it ended otherwise (e.g. hotline's BYE)
    output: str
    workdir: Path

    @property
    def completed(self) -> bool:
        return self.returncode == 0


def free_port(ip: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((ip, 0))
        return int(s.getsockname()[1])


def place_call(server: str, number: str, caller: str, audio: Path, talk_seconds: float,
               local_ip: str = "127.0.0.10", caller_name: str = "", timeout: float = 120,
               headers: Mapping[str, str] | None = None, workdir: Path | None = None,
               media_port: int | None = None) -> CallResult:
    """One call from the trunk: talks for talk_seconds after the answer, then hangs up.
    headers: extra INVITE headers, e.g. {"X-Hotline-Clock": "2026-11-23T10:00:00+08:00"} (the
    call's own routing time, accepted from demo.clock_peers). workdir: where SIPp runs and
    leaves its logs (default: a new temporary folder, left for the caller to read).
    media_port: the caller's RTP port (default: a free one), e.g. to capture what it hears."""
    for key, value in (headers or {}).items():
        if not key or any(c in key + value for c in "\r\n"):
            raise ValueError(f"header {key!r} must be one line")
    if workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="callsim-caller-"))
    workdir.mkdir(parents=True, exist_ok=True)
    media_port = media_port or free_port(local_ip)
    scenario = _scenario("caller.xml", workdir, audio, headers)
    cmd = [_sipp(), server, "-sf", scenario, "-s", number,
           "-i", local_ip, "-p", "0", "-mi", local_ip, "-mp", str(media_port), "-m", "1",
           "-l", "1", "-d", str(int(talk_seconds * 1000)), "-key", "caller", caller,
           "-key", "caller_name", caller_name or caller,
           "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error",
           "-trace_err", "-recv_timeout", str(int(timeout * 1000))]
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                              timeout=timeout + 10)
    except subprocess.TimeoutExpired as e:
        raise SippError(f"caller SIPp did not finish within {timeout:.0f} s") from e
    return CallResult(proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:], workdir)


# What an agent's phone does with each call, by mode; `actions` fill the scenario's [names].
PHONE_SCENARIOS = {
    "answer": "agent_uas.xml",
    "noanswer": "agent_noanswer.xml",
    "hold": "agent_hold.xml",  # actions: hold_after, hold_for (ms), hold_direction
    "transfer": "agent_transfer.xml",  # actions: transfer_after (ms), transfer_to (number)
    # actions: consult_after, consult_for (ms), transfer_to (number)
    "attended": "agent_attended.xml",
}
# Actions a mode's scenario reads that a caller may leave out.
PHONE_DEFAULTS = {
    "hold": {"hold_direction": "sendonly"},  # or "inactive": the SDP direction of the hold
}


class AgentPhone:
    """An agent's SIP phone: registers with its 工号 and password, then answers every call
    (mode "answer"), lets every call ring out ("noanswer"), answers and puts the caller on
    hold for a while ("hold", issue 8), answers and blind-transfers the caller ("transfer") or
    transfers it attended ("attended": hold, call the colleague, REFER with Replaces)."""

    def __init__(self, server: str, number: str, password: str, local_ip: str, audio: Path,
                 mode: str = "answer", port: int = 5070, workdir: Path | None = None,
                 trace_messages: bool = False,
                 actions: Mapping[str, str] | None = None, calls: int | None = None) -> None:
        if mode not in PHONE_SCENARIOS:
            raise ValueError(f"mode {mode!r} is not one of {', '.join(PHONE_SCENARIOS)}")
        self.actions = {**PHONE_DEFAULTS.get(mode, {}), **(actions or {})}
        self.calls = calls  # handle this many calls, then stop answering (None: any number)
        self.server, self.number, self.password = server, number, password
        self.local_ip, self.port, self.audio, self.mode = local_ip, port, audio, mode
        # SIPp's -trace_msg: every message the phone sees, in *_messages.log in workdir (a
        # test that a call never reached this peer reads it).
        self.trace_messages = trace_messages
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix=f"callsim-agent-{number}-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[str] | None = None

    def register(self, expires: int = 3600, timeout: float = 10) -> None:
        cmd = [_sipp(), self.server, "-sf", str(SCENARIOS / "register.xml"), "-s", self.number,
               "-au", self.number, "-ap", self.password, "-i", self.local_ip,
               "-p", str(self.port), "-m", "1", "-key", "expires", str(expires), "-nostdin",
               "-timeout", f"{int(timeout)}s", "-timeout_error", "-trace_err"]
        proc = subprocess.run(cmd, cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout + 5)
        if proc.returncode != 0:
            raise SippError(f"agent {self.number} failed to register: "
                            f"{(proc.stdout + proc.stderr)[-800:]}")

    def start(self, register: bool = True) -> AgentPhone:
        """register=False: a plain phone behind the trunk (the on-duty mobile), no REGISTER."""
        self.registered = register
        if register:
            self.register()
        scenario = _scenario(PHONE_SCENARIOS[self.mode], self.workdir, self.audio,
                             values={"agent": self.number, **self.actions})
        # Attended transfer: the phone's own call to the colleague is challenged (digest), and
        # SIPp answers the REFER's progress NOTIFYs itself (-aa).
        extra = (["-au", self.number, "-ap", self.password, "-aa"]
                 if self.mode == "attended" else [])
        if self.calls is not None:
            extra += ["-m", str(self.calls)]
        cmd = [_sipp(), self.server, "-sf", scenario, *extra,
               "-i", self.local_ip, "-p", str(self.port), "-mi", self.local_ip,
               "-mp", str(free_port(self.local_ip)), "-nostdin", "-trace_err", "-bind_local",
               *(["-trace_msg"] if self.trace_messages else [])]
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        return self

    def messages(self) -> str:
        """What SIPp traced (trace_messages=True): every SIP message received and sent."""
        return "".join(p.read_text(encoding="utf-8", errors="replace")
                       for p in sorted(self.workdir.glob("*_messages.log")))

    def dial(self, number: str, talk_seconds: float, refused: bool = False,
             timeout: float = 60) -> CallResult:
        """The agent dials `number` from this phone (issue 13: outbound through the carrier),
        answering the digest challenge with the 工号 and password; talks for talk_seconds once
        the far end answers, then hangs up. refused=True: the call is expected to be refused
        (early media, then 403); completed then means it was. The SIP messages are traced in
        the result's workdir (*_messages.log)."""
        workdir = self.workdir / f"dial-{number}-{free_port(self.local_ip)}"
        workdir.mkdir(parents=True)
        name = "agent_dial_refused.xml" if refused else "agent_dial.xml"
        cmd = [_sipp(), self.server, "-sf", _scenario(name, workdir, self.audio), "-s", number,
               "-au", self.number, "-ap", self.password, "-key", "agent", self.number,
               "-i", self.local_ip, "-p", str(free_port(self.local_ip)),
               "-mi", self.local_ip, "-mp", str(free_port(self.local_ip)), "-m", "1", "-l", "1",
               "-d", str(int(talk_seconds * 1000)), "-nostdin", "-timeout", f"{int(timeout)}s",
               "-timeout_error", "-trace_err", "-trace_msg",
               "-recv_timeout", str(int(timeout * 1000))]
        try:
            proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                                  timeout=timeout + 10)
        except subprocess.TimeoutExpired as e:
            raise SippError(f"agent {self.number}'s SIPp did not finish in {timeout:.0f} s") from e
        return CallResult(proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:], workdir)

    def feature(self, code: str, timeout: float = 30) -> CallResult:
        """The agent dials a feature code (R24: *21, *22, *23[digit], *24) and listens to the
        confirmation until the hotline hangs up; completed means it did."""
        workdir = self.workdir / f"feature-{code.strip('*#')}-{free_port(self.local_ip)}"
        workdir.mkdir(parents=True)
        cmd = [_sipp(), self.server, "-sf", _scenario("agent_feature.xml", workdir, self.audio),
               "-s", code, "-au", self.number, "-ap", self.password, "-key", "agent", self.number,
               "-i", self.local_ip, "-p", str(free_port(self.local_ip)),
               "-mi", self.local_ip, "-mp", str(free_port(self.local_ip)), "-m", "1", "-l", "1",
               "-nostdin", "-timeout", f"{int(timeout)}s", "-timeout_error", "-trace_err",
               "-recv_timeout", str(int(timeout * 1000))]
        try:
            proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                                  timeout=timeout + 10)
        except subprocess.TimeoutExpired as e:
            raise SippError(f"agent {self.number}'s SIPp did not finish in {timeout:.0f} s") from e
        return CallResult(proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:], workdir)

    def stop(self, unregister: bool = True) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGUSR1)  # SIPp's graceful stop
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if unregister and getattr(self, "registered", False):
            try:
                self.register(expires=0)
            except SippError:
                pass  # Asterisk may be gone already

    def __enter__(self) -> AgentPhone:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
