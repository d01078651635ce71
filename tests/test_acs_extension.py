"""The GenieACS extension shipped in acs/genieacs_extension/, run by Node.js (as GenieACS runs
it) against the real API on loopback: its buffered batches reach `POST /acs/events` with the
event token, every inform is ingested and the devices are linked to their ONUs by serial."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy import func, select, update

from acs.models import AcsDevice, AcsSettings
from api.app import create_app
from core.access import digest
from core.db import session_scope
from oms.models import Onu, OnuLifecycle
from tests.fixtures import REPO_ROOT

EXTENSION = REPO_ROOT / "acs" / "genieacs_extension" / "ponstack.js"
DEVICES = 150
# What GenieACS does: ext("ponstack", "inform", id, serial, oui, productClass, event) per inform.
NODE_SCRIPT = """
const ext = require(process.argv[1]);
const devices = JSON.parse(process.argv[2]);
let answered = 0;
for (const [id, serial] of devices) {
  ext.inform([id, serial, "00259E", "EG8145V5", "1 BOOT"], (err, result) => { answered += 1; });
}
setTimeout(() => { console.log(answered); }, 1500);
"""


@pytest.fixture
def api_url(db_url: str) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db_url), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs GenieACS extensions")
def test_the_extension_reports_every_inform_in_batches(db_url: str, api_url: str) -> None:
    token = "pst_extension-test-token-0123456789"
    with session_scope(db_url) as session:
        session.execute(update(AcsSettings).values(event_token_digest=digest(token)))
        session.add_all(Onu(serial=f"HWTC{i:08X}", lifecycle_state=OnuLifecycle.PREPROVISIONED)
                        for i in range(0, DEVICES, 2))  # half the CPEs have an ONU waiting
    devices = [[f"00259E-EG8145V5-48575443{i:08X}", f"48575443{i:08X}"] for i in range(DEVICES)]
    done = subprocess.run(["node", "-e", NODE_SCRIPT, str(EXTENSION), json.dumps(devices)], capture_output=True,
                          text=True, timeout=30,
                          env={"PONSTACK_EVENTS_URL": f"{api_url}/acs/events", "PONSTACK_EVENT_TOKEN": token})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(DEVICES)  # the provision never waits for ponstack
    with session_scope(db_url) as session:
        stored = session.scalar(select(func.count()).select_from(AcsDevice))
        linked = session.scalar(select(func.count()).select_from(AcsDevice).where(AcsDevice.onu_id.is_not(None)))
        events = {event for row in session.scalars(select(AcsDevice.last_events)) for event in row}
    assert (stored, linked) == (DEVICES, DEVICES // 2)
    assert events == {"1 BOOT"}


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs GenieACS extensions")
def test_a_wrong_token_ingests_nothing(db_url: str, api_url: str) -> None:
    with session_scope(db_url) as session:
        session.execute(update(AcsSettings).values(event_token_digest=digest("pst_the-right-one")))
    devices = [["00259E-EG8145V5-4857544300000001", "4857544300000001"]]
    done = subprocess.run(["node", "-e", NODE_SCRIPT, str(EXTENSION), json.dumps(devices)], capture_output=True,
                          text=True, timeout=30,
                          env={"PONSTACK_EVENTS_URL": f"{api_url}/acs/events", "PONSTACK_EVENT_TOKEN": "pst_wrong"})
    assert done.returncode == 0 and done.stdout.strip() == "1"
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(AcsDevice)) == 0
