"""/health tells the truth (a database that answers reads but takes no writes is down; a spool
or recordings folder that cannot be written, or a nearly full one, makes it 503) and /metrics
counts in the Prometheus format (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from api_fixtures import QA, World, auth, make_settings
from fastapi.testclient import TestClient

from callrecords.store import CallStore
from hotline.bridge import Bridge
from pbx.layout import Instance


def test_a_read_only_database_is_down(make_client: Callable[..., TestClient],
                                      world: World, tmp_path: Path) -> None:
    read_only = CallStore(f"sqlite:///file:{tmp_path}/t.db?mode=ro&uri=true")
    assert read_only.get(world.ids["1700.1"]) is not None  # reads still work
    r = make_client(store=read_only).get("/health")
    assert r.status_code == 503 and r.json()["database"] is False


async def test_health_says_when_records_or_recordings_cannot_be_kept(
        world: World, tmp_path: Path) -> None:
    spool = tmp_path / "spool-is-a-file"
    spool.write_text("not a folder")
    settings = make_settings(tmp_path, HOTLINE_STORAGE__SPOOL_DIR=str(spool),
                             HOTLINE_STORAGE__MIN_FREE_MB="9999999",
                             HOTLINE_STORAGE__ASTERISK_ROOT=str(tmp_path / "root"))
    bridge = Bridge(settings, world.store, Instance.of(settings))
    health = bridge.health()
    assert health["spool_writable"] is False
    assert health["recordings_writable"] is False  # less free space than min_free_mb
    assert isinstance(health["recordings_free_mb"], int)
    assert health["pending_records"] == 0 and health["recording_failures"] == 0
    from api.app import create_app

    with TestClient(create_app(settings, world.store, health=bridge.health)) as client:
        r = client.get("/health")
    assert r.status_code == 503 and r.json()["status"] == "degraded"

    fine = make_settings(tmp_path, HOTLINE_STORAGE__SPOOL_DIR=str(tmp_path / "spool"),
                         HOTLINE_STORAGE__MIN_FREE_MB="0",
                         HOTLINE_STORAGE__ASTERISK_ROOT=str(tmp_path / "root"))
    ok = Bridge(fine, world.store, Instance.of(fine)).health()
    assert ok["spool_writable"] is True and ok["recordings_writable"] is True


def test_metrics_count_requests_by_route_template(client: TestClient, world: World) -> None:
    call_id = world.ids["1700.1"]
    for _ in range(3):
        assert client.get(f"/calls/{call_id}", headers=auth(QA)).status_code == 200
    assert client.get("/calls/999999", headers=auth(QA)).status_code == 404
    r = client.get("/metrics")  # no token: numbers only, for the operator's scraper
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()

    def value(prefix: str) -> float:
        return sum(float(x.rsplit(" ", 1)[1]) for x in lines if x.startswith(prefix))

    ok = 'hotline_api_requests_total{method="GET",route="/calls/{call_id}",status="200"}'
    missing = 'hotline_api_requests_total{method="GET",route="/calls/{call_id}",status="404"}'
    assert value(ok) >= 3 and value(missing) >= 1
    assert f'route="/calls/{call_id}"' not in r.text  # ids never become labels
    for name in ("hotline_calls_total", "hotline_call_records_total",
                 "hotline_recording_failures_total", "hotline_routing_decisions_total"):
        base = name.removesuffix("_total")  # exposition versions differ on the suffix here
        assert any(x in (f"# TYPE {base} counter", f"# TYPE {name} counter") for x in lines)
