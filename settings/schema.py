"""The configuration's shape and its checks. Key names are a public contract (operators and
external test harnesses write them), so they are kept exactly as documented."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

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
    # R24 (issue 8): "auto": a registered agent is in the queue (the behaviour before sign-in
    # existed); "required": agents are out of the queue until they sign in.
    sign_in: Literal["auto", "required"] = "auto"
    wrapup: int = Field(0, ge=0, le=3600)  # seconds of after-call work before the next call


def _agent_network(v: str) -> str:
    try:
        return str(ipaddress.ip_network(v.strip(), strict=False))
    except ValueError as e:
        raise ValueError(f"{v!r} is not an address or network (10.1.2.0/24)") from e


class Agent(_Section):
    number: str
    name: str = Field(min_length=1)
    password: str = Field(min_length=4)
    # May this agent's phone dial out through the carrier at all ([outbound] rules)? Off unless
    # given: a stolen phone password must not be a toll-fraud door (issue 13).
    outbound: bool = False
    # The networks this agent's phone may register and call from (issue 13); [] (the default):
    # anywhere. Rendered into the endpoint's contact_deny/contact_permit.
    permit: list[Annotated[str, AfterValidator(_agent_network)]] = []

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


class Hold(_Section):
    """Music on hold when an agent holds the caller (R9, issue 8): the `hold` prompt, then a
    passage of music, then the prompt again. The music is cut into passages of
    `passage_seconds` from the WAV files of `music_dir` ("" : Asterisk's own music)."""

    music_dir: str = ""
    passage_seconds: int = Field(30, ge=3, le=600)


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
    # Issue 13: an address with this many failed SIP authentications within ban_window seconds
    # is refused (403) for ban_seconds; 0 turns bans off. The trunk hosts are never banned.
    ban_after_failures: int = Field(5, ge=0, le=1000)
    ban_window: int = Field(60, ge=1, le=86400)
    ban_seconds: int = Field(900, ge=1, le=604800)


class Ami(_Section):
    bind: HostPort = "127.0.0.1:5038"
    username: str = "hotline"
    secret: str = Field("change-me", min_length=4)
    timeout: float = Field(5.0, gt=0, le=120)  # every AMI action is bounded by this
    # Issue 13 item 9: the one login that may originate calls (tickets' callbacks), apart from
    # the bridge's, which follows calls and cannot originate or read configuration.
    originate_username: str = Field("hotline-originate", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    originate_secret: str = Field("change-me-originate", min_length=4)


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
    # Confirmations a phone hears after a feature code (R24, issue 8).
    presence_signed_in: str = "已签入。"
    presence_signed_out: str = "已签出。"
    presence_paused: str = "已暂停。"
    presence_resumed: str = "已恢复。"
    presence_refused: str = "操作无效。"
    # R9: what a caller on hold hears between passages of music (issue 8).
    hold: str = "请您稍等,听不到我的声音,请不要挂机"
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


class Console(_Section):
    """The QA console in the browser (issue 10)."""

    listen_link_seconds: int = Field(900, ge=30, le=86400)  # a signed listening link lives
    peaks_cache_entries: int = Field(64, ge=0, le=100000)  # waveforms kept in memory


_FEATURE_CODE = re.compile(r"\*[0-9]{1,4}|#[0-9]{1,4}")
_PAUSE_REASON = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _feature_code(v: str) -> str:
    if not _FEATURE_CODE.fullmatch(v):
        raise ValueError(f"{v!r} is not a feature code like '*21' (* or # and 1-4 digits)")
    return v


FeatureCode = Annotated[str, AfterValidator(_feature_code)]


class Features(_Section):
    """Codes an agent dials from its phone (R24, issue 8); `pause` may be followed by one
    digit, a key of pause_reasons (*231 = pause for reason 1)."""

    sign_in: FeatureCode = "*21"
    sign_out: FeatureCode = "*22"
    pause: FeatureCode = "*23"
    resume: FeatureCode = "*24"
    listen: FeatureCode = "*25"  # from a supervisor's phone, + 工号: listen in (R18)
    pause_reasons: dict[str, str] = Field(default_factory=lambda: {
        "1": "lunch", "2": "training", "3": "after_call_work"})

    @field_validator("pause_reasons")
    @classmethod
    def _reasons(cls, v: dict[str, str]) -> dict[str, str]:
        for digit, reason in v.items():
            if not re.fullmatch(r"[0-9]", digit):
                raise ValueError(f"key {digit!r} must be one digit (dialled after the pause code)")
            # The reason travels in the dialplan and the queue's pause reason; "signed_out" and
            # "paused" already mean something there (agents.presence).
            if not _PAUSE_REASON.fullmatch(reason) or reason in ("signed_out", "paused"):
                raise ValueError(f"reason {reason!r} must be a lower-case word like 'lunch' "
                                 "(not 'signed_out' or 'paused')")
        return v

    @model_validator(mode="after")
    def _distinct(self) -> Features:
        codes = [self.sign_in, self.sign_out, self.pause, self.resume, self.listen]
        if len(set(codes)) != len(codes):
            raise ValueError("sign_in, sign_out, pause, resume and listen must be different codes")
        return self


class Reconcile(_Section):
    """Nothing lost (issue 13): how far back, after a bridge start or AMI login, calls in
    Asterisk's CEL are checked for a missing record, and how long a call that is not live and
    logged no end must have been quiet before it is taken as over (Asterisk died mid-call)."""

    lookback_hours: float = Field(72, gt=0, le=24 * 366)
    grace_seconds: float = Field(5, ge=0, le=3600)


class Watchdog(_Section):
    """Supervised Asterisk (issue 13): `hotline up` restarts an Asterisk that died, waiting
    restart_delay seconds before the first try, doubling after each failed one up to
    restart_delay_max; a check every check_seconds."""

    check_seconds: float = Field(0.5, gt=0, le=60)
    restart_delay: float = Field(0.5, ge=0, le=60)
    restart_delay_max: float = Field(30, gt=0, le=3600)


def _privacy_role(v: str) -> str:
    return v if v == "agent" else _role(v)


class Privacy(_Section):
    """R26: which roles see customers' numbers and names in full. Every other role gets them
    masked (domain.privacy), except an agent token on its own calls and tickets, and may not
    search by number (403 privacy.number_filter_forbidden)."""

    # Roles as tokens carry them; "agent" stands for every agent:<工号> token.
    unmasked_roles: list[Annotated[str, AfterValidator(_privacy_role)]] = Field(
        default_factory=lambda: ["admin", "supervisor", "qa", "ticket"])


class Retention(_Section):
    """Issue 13 item 6 (R26): days each kind is kept (domain.retention); 0 keeps it forever.
    The purge runs daily at `purge_at`, company time, in the service (hotline up)."""

    recordings: int = Field(0, ge=0, le=36500)
    call_records: int = Field(0, ge=0, le=36500)
    tickets: int = Field(0, ge=0, le=36500)
    audit: int = Field(0, ge=0, le=36500)
    channel_events: int = Field(0, ge=0, le=36500)
    purge_at: str = Field("03:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class Supervisor(_Section):
    """A QA staff member's or supervisor's SIP phone (R18): it listens in on agents' calls and
    is never queued. Registers with `number` as username, like an agent's phone."""

    number: str
    name: str = Field(min_length=1)
    password: str = Field(min_length=4)

    @field_validator("number")
    @classmethod
    def _digits(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9]{2,10}", v):
            raise ValueError(f"supervisor number {v!r} must be 2-10 digits")
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
    console: Console = Console()
    features: Features = Features()
    reconcile: Reconcile = Reconcile()
    watchdog: Watchdog = Watchdog()
    hold: Hold = Hold()
    privacy: Privacy = Privacy()
    retention: Retention = Retention()
    supervisors: list[Supervisor] = []

    @model_validator(mode="after")
    def _events_outlive_reconcile(self) -> Settings:
        # The reconcile pass rebuilds lost records from the channel events of the last
        # lookback_hours: pruning them sooner would lose exactly what it needs (issue 13).
        days = self.retention.channel_events
        if days and days * 24 < self.reconcile.lookback_hours:
            raise ValidationError.from_exception_data("Settings", [InitErrorDetails(
                type=PydanticCustomError(
                    "value_error", "{days} days is shorter than reconcile.lookback_hours "
                    "({hours} h), whose pass reads these events",
                    {"days": days, "hours": f"{self.reconcile.lookback_hours:g}"}),
                loc=("retention", "channel_events"), input=days)])
        return self

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

    @model_validator(mode="after")
    def _unique_supervisors(self) -> Settings:
        # One SIP endpoint per number: a supervisor sharing an agent's number would replace
        # that agent's phone in pjsip.conf.
        taken = {a.number for a in self.agents} | {self.hotline.number, self.voicemail.mailbox}
        for i, supervisor in enumerate(self.supervisors):
            if supervisor.number in taken:
                # Raised with the item's location, so the start-up error names the key.
                raise ValidationError.from_exception_data("Settings", [InitErrorDetails(
                    type=PydanticCustomError(
                        "value_error", "{number} is already an agent's, the hotline's, the "
                        "mailbox's or another supervisor's number",
                        {"number": supervisor.number}),
                    loc=("supervisors", i, "number"), input=supervisor.number)])
            taken.add(supervisor.number)
        return self

    def supervisor(self, number: str) -> Supervisor | None:
        return next((s for s in self.supervisors if s.number == number), None)

    def agent(self, number: str) -> Agent | None:
        return next((a for a in self.agents if a.number == number), None)
