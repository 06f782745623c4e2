"""The configuration's shape and its checks. Key names are a public contract (operators and
external test harnesses write them), so they are kept exactly as documented."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.dialpattern import DIAL_PATTERN
from domain.durations import parse_duration
from domain.workcal import WEEKDAYS, parse_span  # the decision's own parser: one definition

# fullmatch everywhere: "$" alone lets a trailing newline through into the rendered dialplan.
_DIGITS = re.compile(r"\+?[0-9]{2,20}")


class _Section(BaseModel):
    # A misspelt key must be refused, not silently ignored: it would leave a default in force.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Company(_Section):
    name: str = Field(min_length=1)
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r}") from e
        return v


class Hotline(_Section):
    number: str

    @field_validator("number")
    @classmethod
    def _digits(cls, v: str) -> str:
        if not _DIGITS.fullmatch(v):
            raise ValueError(f"{v!r} is not a dialable number")
        return v


class Hours(_Section):
    mon: list[str] = []
    tue: list[str] = []
    wed: list[str] = []
    thu: list[str] = []
    fri: list[str] = []
    sat: list[str] = []
    sun: list[str] = []

    @field_validator(*WEEKDAYS)
    @classmethod
    def _spans(cls, v: list[str]) -> list[str]:
        for span in v:
            parse_span(span)
        return v


class Holidays(_Section):
    calendar: Literal["cn", "none"] = "cn"
    closed: list[date] = []
    open: list[date] = []


class Queue(_Section):
    ring_timeout: int = Field(15, ge=1, le=300)  # R1: three rings
    max_wait: int = Field(120, ge=1, le=3600)
    service_level: int = Field(30, ge=1, le=600)  # R25: 30-second answer rate
    strategy: Literal["rrmemory", "leastrecent", "fewestcalls", "random", "linear"] = "rrmemory"
    retry: int = Field(1, ge=0, le=60)  # pause before the next agent is tried


class Agent(_Section):
    number: str
    name: str = Field(min_length=1)
    password: str = Field(min_length=4)
    # May this agent's phone dial out through the carrier at all ([outbound] rules)? Off unless
    # given: a stolen phone password must not be a toll-fraud door (issue 13).
    outbound: bool = False

    @field_validator("number")
    @classmethod
    def _digits(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9]{2,10}", v):
            raise ValueError(f"agent number {v!r} must be 2-10 digits")
        return v


class Voicemail(_Section):
    mailbox: str = "8000"
    max_message: int = Field(180, ge=10, le=3600)


class AfterHours(_Section):
    forward_to: str = ""
    forward_ring_timeout: int = Field(30, ge=5, le=300)

    @field_validator("forward_to")
    @classmethod
    def _digits(cls, v: str) -> str:
        if v and not _DIGITS.fullmatch(v):
            raise ValueError(f"{v!r} is not a dialable number")
        return v


def _dial_pattern(v: str) -> str:
    if not DIAL_PATTERN.fullmatch(v):
        raise ValueError(f"{v!r} is not a digit pattern like '_1[3-9]XXXXXXXXX'")
    return v


class Outbound(_Section):
    """Which numbers an agent's phone may dial out through the carrier (issue 13), as Asterisk
    extension patterns; agents need `outbound = true` as well. Anything else is refused with
    the `outbound_refused` prompt, announced (HotlineOutboundRefused) and counted."""

    # Domestic mobiles (1[3-9] + 9 digits) and landlines with an area code (0[1-9], 10-12
    # digits in all). No international prefix (00), no short or service numbers.
    allowed: list[Annotated[str, AfterValidator(_dial_pattern)]] = Field(
        default_factory=lambda: ["_1[3-9]XXXXXXXXX", "_0[1-9]XXXXXXXX", "_0[1-9]XXXXXXXXX",
                                 "_0[1-9]XXXXXXXXXX"])
    ring_timeout: int = Field(60, ge=5, le=300)  # how long the far end may ring


def _host_port(v: str) -> str:
    host, sep, port = v.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{v!r} is not HOST:PORT")
    return v


HostPort = Annotated[str, AfterValidator(_host_port)]

ROLES = ("admin", "supervisor", "qa", "ticket")


def _role(v: str) -> str:
    if v in ROLES or re.fullmatch(r"agent:[0-9]{2,10}", v):
        return v
    raise ValueError(f"{v!r} is not a role ({', '.join(ROLES)} or agent:<工号>)")


class Sip(_Section):
    bind: HostPort = "127.0.0.1:5060"
    trunk_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.10"], min_length=1)
    rtp_start: int = Field(10000, ge=1024, le=65000)
    rtp_end: int = Field(10999, ge=1024, le=65535)


class Ami(_Section):
    bind: HostPort = "127.0.0.1:5038"
    username: str = "hotline"
    secret: str = Field("change-me", min_length=4)
    timeout: float = Field(5.0, gt=0, le=120)  # every AMI action is bounded by this


class Agi(_Section):
    bind: HostPort = "127.0.0.1:4573"


class Api(_Section):
    bind: HostPort = "127.0.0.1:8080"
    # token -> role: admin, supervisor, qa, ticket (an integration), or agent:<工号> (a token
    # bound to one agent).
    tokens: dict[str, Annotated[str, AfterValidator(_role)]] = {}
    page_size_max: int = Field(500, ge=1, le=10000)
    # GET /calls counts at most this many matches after the page; beyond, its `total` is a
    # lower bound (header X-Total-Exact: false). Counting every match of a million calls
    # scanned them all on every request (issue 9).
    count_limit: int = Field(10000, ge=0, le=100_000_000)


class Storage(_Section):
    database_url: str = "sqlite:///var/hotline.db"
    recordings_dir: str = "var/recordings"
    asterisk_root: str = "var/asterisk"
    # Call records that could not be written (database down) wait here, then are retried.
    spool_dir: str = "var/spool"
    # Several instances (a developer's service, the test suite) can share one provisioned root;
    # each has its own configuration, spool and control socket under /srv/hotline/<instance>.
    asterisk_instance: str = Field("hotline", pattern=r"^[a-z0-9_-]{1,32}$")
    # /health turns 503 when the recordings folder has less free space than this (R11: a
    # recording that cannot be written is lost).
    min_free_mb: int = Field(200, ge=0, le=10_000_000)


class Prompts(_Section):
    """Texts rendered to speech at provision time ({company} and {agent} are filled in). An
    operator may drop a recorded WAV of the same name into the prompts folder instead."""

    greeting: str
    holiday_greeting: str
    weekend_greeting: str
    after_hours: str
    holiday_closing: str
    forwarding: str
    agent_intro: str
    voicemail: str
    # Played to an agent whose outbound call is refused (issue 13); a default, so configuration
    # files written before it stay valid.
    outbound_refused: str = "此号码不允许外呼。"
    voice: str = "cmn"
    # Recorded WAVs named like the prompts (greeting.wav ...) in this folder replace the speech.
    custom_dir: str = "prompts"


def _network(v: str) -> str:
    try:
        ipaddress.ip_network(v, strict=False)
    except ValueError as e:
        raise ValueError(f"{v!r} is not an address or network (127.0.0.0/8)") from e
    return v


class Demo(_Section):
    """Calls that carry their own routing time (SIP header X-Hotline-Clock: `hotline demo-call
    --at`, the test suite): accepted for that call only, and only from a SIP peer in one of
    these networks. [] accepts it from nobody."""

    clock_peers: list[Annotated[str, AfterValidator(_network)]] = Field(
        default_factory=lambda: ["127.0.0.0/8", "::1/128"])


class AsteriskPin(_Section):
    """The Asterisk the root must have (issue 12): the Debian version of the `asterisk` package
    exactly as /health and `hotline check-config` show it, e.g. "1:22.10.1+dfsg+~cs6.17.60671434-1".
    Empty: whatever Debian sid had when the root was built; it is then kept, never changed
    without `hotline asterisk provision --upgrade`."""

    version: str = Field("", pattern=r"^[0-9A-Za-z.+~:-]*$")


class Analysis(BaseModel):
    """Thresholds for the automatic QA flags (R23); keys are those of
    recordings.analysis.AnalysisConfig, checked there."""

    model_config = ConfigDict(extra="allow", frozen=True)


_PERIOD = re.compile(r"^([0-9]{1,4})(m|h)$")


def period_minutes(text: str) -> int:
    """'1h' -> 60, '30m' -> 30: the R19 answer-rate periods, which must tile a day."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a period like '1h' or '30m'")
    minutes = int(match.group(1)) * (60 if match.group(2) == "h" else 1)
    if not 0 < minutes <= 1440 or 1440 % minutes:
        raise ValueError(f"{text!r} does not divide a day into whole periods")
    return minutes


class Qa(_Section):
    """Quality inspection (R18-R21). Key names are the issue's contract."""

    sample_rate: float = Field(0.01, gt=0, le=1)  # R18: share of previous-month calls
    min_per_agent: int = Field(1, ge=0)
    live_share: float = Field(0.3, ge=0, le=1)  # R18: share of the quota inspected live
    long_call_seconds: float = Field(300, ge=0)  # R19
    service_level_target: float = Field(0.8, ge=0, le=1)  # R19
    period: str = "1h"  # R19
    short_call_seconds: float = Field(20, ge=0)  # R19
    short_call_checks: int = Field(1, ge=0)  # R19
    neighbours: int = Field(1, ge=0)  # R20
    exempt_after_full_months: int = Field(2, ge=1)  # R21
    exempt_quota: int = Field(5, ge=0)  # R21

    @field_validator("period")
    @classmethod
    def _period(cls, v: str) -> str:
        period_minutes(v)
        return v


def _duration(v: str) -> str:
    parse_duration(v)  # the clocks' own parser (domain.durations): one definition
    return v


DurationText = Annotated[str, AfterValidator(_duration)]


class TicketClocks(_Section):
    """R15's deadlines ([tickets.clocks]): a number and a unit, s/min/h/d (wall clock),
    wmin/wh (working time), wd (working days)."""

    start: DurationText = "10wmin"
    react: DurationText = "10wmin"
    result_general: DurationText = "2wh"
    result_major: DurationText = "2wd"
    callback: DurationText = "2wd"
    callback_assistance: DurationText = "3d"
    answer: DurationText = "3d"
    reply: DurationText = "24h"


class Tickets(_Section):
    webhook_url: str = ""  # breaches are POSTed here; empty: none
    collective_min_customers: int = Field(5, ge=2, le=10000)  # R14
    collective_window: DurationText = "24h"
    major_after: DurationText = "30d"
    callback_assistance_share: float = Field(0.3, ge=0.0, le=1.0)  # R15
    clocks: TicketClocks = TicketClocks()

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if v and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


class Settings(_Section):
    company: Company
    hotline: Hotline
    hours: Hours
    holidays: Holidays = Holidays()
    queue: Queue = Queue()
    agents: list[Agent] = Field(min_length=1)
    voicemail: Voicemail = Voicemail()
    after_hours: AfterHours = AfterHours()
    sip: Sip = Sip()
    ami: Ami = Ami()
    agi: Agi = Agi()
    api: Api = Api()
    storage: Storage = Storage()
    prompts: Prompts
    analysis: Analysis = Analysis()
    demo: Demo = Demo()
    asterisk: AsteriskPin = AsteriskPin()
    qa: Qa = Qa()
    tickets: Tickets = Tickets()
    outbound: Outbound = Outbound()

    @model_validator(mode="after")
    def _unique_agents(self) -> Settings:
        seen: set[str] = set()
        for agent in self.agents:
            if agent.number in seen:
                raise ValueError(f"agents: agent number {agent.number} appears twice")
            if agent.number in (self.hotline.number, self.voicemail.mailbox):
                raise ValueError(f"agents: agent number {agent.number} clashes with another number")
            seen.add(agent.number)
        return self

    def agent(self, number: str) -> Agent | None:
        return next((a for a in self.agents if a.number == number), None)
