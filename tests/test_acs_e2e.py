"""From the API to the device: a Wi-Fi change asked over HTTP is queued in the outbox, the
worker's dispatcher sends it to the ACS (the GenieACS NBI emulator), reads it back and marks
it applied; the CPE holds the new SSID."""

from __future__ import annotations

import time

from sqlalchemy import update

from acs.models import AcsSettings
from core.db import session_scope
from lab.genieacs.server import start_emulator
from oms.models import Onu, OnuLifecycle
from ponstack.worker import BackgroundWorker
from tests.fixtures import api_client

SSID_24 = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"


def test_a_wifi_change_goes_from_the_api_to_applied_on_the_device(db_url: str, worker: BackgroundWorker) -> None:
    with start_emulator() as emulator:
        device_id = emulator.add_device("4857544311E70E9A", model="EG8145V5")
        with session_scope(db_url) as session:
            session.execute(update(AcsSettings).values(nbi_url=emulator.url))
            onu = Onu(serial="HWTC11E70E9A", lifecycle_state=OnuLifecycle.PREPROVISIONED)
            session.add(onu)
            session.flush()
            onu_id = onu.id
        client = api_client(db_url, "agent", "support")
        intent = client.post(f"/onus/{onu_id}/acs/wifi", json={"band": "2.4GHz", "ssid": "From-the-API"}).json()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = client.get(f"/acs/intents/{intent['id']}").json()
            if state["status"] not in ("pending", "sent"):
                break
            time.sleep(0.2)
        assert (state["status"], state["last_outcome"], state["device_id"]) == ("applied", "applied", device_id)
        assert emulator.cpe_values(device_id)[SSID_24] == "From-the-API"
