"""Thin adapter over panoramisk's AMI Manager: a close that stays closed, a login you can await,
and actions bounded by a timeout (panoramisk has none). Features do not use it directly: they
subscribe to events through `ivr.ami_events.EventDispatcher` and act through the typed
functions of `ivr.ami_actions`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message
from panoramisk.utils import EOL

from settings.schema import Ami

log = logging.getLogger(__name__)

# The tracker needs channel, queue, agent and UserEvent events; VarSet/Newexten ("dialplan")
# would triple the traffic (~142 events a call with everything on). security: failed SIP
# authentications, for bans (sipguard, issue 13).
EVENT_CLASSES = "system,call,agent,user,security"


# Events panoramisk itself acts on (it sends queued actions at FullyBooted and reconnects at
# Shutdown): they pass whatever the subscribers want.
_PANORAMISK_EVENTS = frozenset({"FullyBooted", "Shutdown"})


class AmiError(RuntimeError):
    """The one error of the AMI surface: not logged in, timed out, or refused by Asterisk."""


class _FilteringProtocol(AMIProtocol):  # type: ignore[misc]
    """panoramisk's protocol, but an event nobody subscribed to is dropped before it is parsed.
    The bridge's login receives every event of its classes (read = call,agent,...), ~67 a
    queued, recorded call, of which about half (DeviceStateChange, NewConnectedLine, Bridge*,
    DialBegin/State, MusicOnHold*, ...) no feature reads; parsing each into a Message and
    dispatching it was most of the event loop's CPU under load (issue 9's profile). Asterisk
    cannot filter for us on this login: the AMI Filter action needs the system class, which
    the bridge's login must not have (issue 13), and a manager.conf eventfilter would apply to
    every session of the login, not only the bridge's. Replies to actions (and the events of
    their lists, which carry an ActionID) always pass."""

    def data_received(self, data: bytes) -> None:
        wanted = getattr(self.factory, "wants_event", None)
        if wanted is None:
            super().data_received(data)
            return
        text = data.decode(getattr(self, "encoding", "ascii"), "ignore")
        if self.version is None and text.startswith("Asterisk Call Manager/"):
            self.version: str | None = text.partition(EOL)[0].partition("/")[2].strip()
        if self.queue:
            text = self.queue.popleft() + text
        messages = text.split(EOL + EOL)
        self.queue.append(messages.pop(-1))
        for raw in messages:
            raw = raw.strip()
            if raw.startswith("Event: ") and "ActionID: " not in raw:
                end = raw.find(EOL)
                if not wanted(raw[7:end if end >= 0 else len(raw)]):
                    continue
            message = Message.from_line(raw)
            if message is not None:
                self.handle_message(message)


class AmiClient(Manager):  # type: ignore[misc]
    def __init__(self, config: Ami, events: str = EVENT_CLASSES, reconnect: bool = True):
        host, _, port = config.bind.rpartition(":")
        self.timeout = config.timeout
        self._closing = False
        self._reconnect = reconnect
        self._logged_in: asyncio.Event = asyncio.Event()
        self._login_callbacks: list[Any] = []
        self._callback_tasks: set[asyncio.Future[Any]] = set()
        self._event_names: Callable[[], Collection[str] | None] | None = None
        super().__init__(
            host=host, port=int(port), username=config.username,
            secret=config.secret, events=events, ping_delay=10, ping_interval=10,
            reconnect_timeout=1, on_login=self._on_login, on_disconnect=self._on_disconnect,
            log=logging.getLogger("ivr.ami.panoramisk"), protocol_factory=_FilteringProtocol,
        )

    def keep_only(self, names: Callable[[], Collection[str] | None]) -> None:
        """Events whose name is not in names() (asked for each event: subscriptions may be
        added later) are dropped unparsed; names() returning None keeps every event."""
        self._event_names = names

    def wants_event(self, name: str) -> bool:
        if self._event_names is None or name in _PANORAMISK_EVENTS:
            return True
        names = self._event_names()
        return names is None or name in names

    def add_login_callback(self, callback: Any) -> None:
        """Called (in the loop) after every successful login, the first and each re-login."""
        self._login_callbacks.append(callback)

    def _on_login(self, _manager: Manager) -> None:
        self._logged_in.set()
        for callback in self._login_callbacks:
            result = callback()
            if asyncio.iscoroutine(result):
                task = asyncio.ensure_future(result)
                self._callback_tasks.add(task)
                task.add_done_callback(self._callback_tasks.discard)

    def _on_disconnect(self, _manager: Manager, exc: Exception | None) -> None:
        self._logged_in.clear()
        if not self._closing:
            log.warning("AMI connection lost (%s); reconnecting", exc)

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        if self._closing:
            return None
        return super().connect(*args, **kwargs)

    def connection_made(self, f: Any) -> None:
        if self._closing or (not self._reconnect and f.exception() is not None):
            self._closing = True
            return
        super().connection_made(f)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closing or not self._reconnect:
            self._connected = False
            self._logged_in.clear()
            return
        super().connection_lost(exc)

    def close(self) -> None:
        self._closing = True
        super().close()

    @property
    def logged_in(self) -> bool:
        return self._logged_in.is_set()

    async def wait_login(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._logged_in.wait(), timeout or self.timeout)

    async def action(self, action: dict[str, str], as_list: bool | None = None) -> Any:
        if not self._logged_in.is_set():
            raise AmiError(f"AMI not logged in; cannot send {action.get('Action')}")
        try:
            return await asyncio.wait_for(self.send_action(action, as_list=as_list), self.timeout)
        except TimeoutError as e:
            raise AmiError(f"AMI action {action.get('Action')} timed out") from e


async def ami_fully_booted(config: Ami) -> None:
    """Returns once Asterisk says FullyBooted to a fresh login (it sends it at login once up)."""
    client = AmiClient(config, events="system", reconnect=False)
    booted = asyncio.get_running_loop().create_future()

    def on_booted(_m: Manager, _e: Any) -> None:
        if not booted.done():
            booted.set_result(None)

    client.register_event("FullyBooted", on_booted)
    try:
        await client.connect()  # raises at once when the port is not open yet
        await booted
    finally:
        client.close()
