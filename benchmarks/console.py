"""Server time of the console's heaviest pages at scale, and the dashboard's page weight.

A fresh database with 100,000 customers, subscriptions and ONUs (benchmarks.crm_latency's
seed), the ONUs spread over 4 OLTs and 1,600 PON ports with realistic states and signal
levels (a PON port in LOS, one in power failure, low-signal tails, waiting ONUs), and 30 days
of 5-minute signal samples (8,640) for the ONU whose page is measured. A real `ponstack up`
process serves on loopback; one client requests each page REQUESTS times in turn (the
time is the server's: the client and the loopback add well under a millisecond), after a
warm-up. The dashboard's fragments (loaded after its frame) are timed as part of it.

    python -m benchmarks.console [--onus 100000] [--requests 200]

Prints median and p95 per page (goal: p95 under 200 ms) and, when Debian's chromium is
installed, the dashboard's page weight (HTML + assets, bytes) and request count, read by a
real browser.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time

import httpx
import psycopg
from cryptography.fernet import Fernet
from sqlalchemy import text

from benchmarks.auth_latency import REPO, empty_database, start_api
from benchmarks.crm_latency import seed
from benchmarks.provisioning import drop_database
from core.db import libpq_url, session_scope

CHROMIUM = "/usr/bin/chromium"


def spread_over_olts(url: str) -> int:
    """OLTs, ports and live state for the seeded ONUs; returns the id of the ONU measured."""
    with session_scope(url) as session:
        session.execute(text("""
            INSERT INTO zones (name) VALUES ('North'), ('South');
            INSERT INTO olts (name, vendor_id, family, model, zone_id, mgmt_host, username, password,
                              uptime_s, temperature_c, cpu_pct, last_poll_status, last_poll_at, health_at)
            SELECT 'OLT-' || n, (SELECT id FROM vendors WHERE slug = 'huawei'), 'huawei_smartax', 'MA5800-X17',
                   (SELECT id FROM zones ORDER BY id LIMIT 1 OFFSET n % 2), '192.0.2.' || n, 'bench', 'x',
                   86400 * n, 40 + n, 20, 'ok', now(), now()
            FROM generate_series(1, 4) AS n;
            INSERT INTO pon_ports (olt_id, frame, slot, port, oper_status, status_at)
            SELECT o.id, 0, s, p, 'up', now() FROM olts o, generate_series(0, 24) s, generate_series(0, 15) p
            WHERE s * 16 + p < 400;
        """))
        session.execute(text("""
            WITH ports AS (SELECT id, olt_id, row_number() OVER (ORDER BY id) - 1 AS k FROM pon_ports),
                 numbered AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM onus)
            UPDATE onus o SET pon_port_id = p.id, olt_id = p.olt_id,
                   onu_index = CASE WHEN n.k % 500 = 0 THEN NULL ELSE n.k / 1600 END,
                   lifecycle_state = CASE WHEN n.k % 500 = 0 THEN 'discovered' ELSE 'active' END,
                   status = CASE WHEN n.k % 500 = 0 THEN 'unknown' WHEN p.k = 7 THEN 'los'
                                 WHEN p.k = 11 THEN 'dying_gasp' WHEN n.k % 97 = 0 THEN 'offline'
                                 ELSE 'online' END,
                   status_changed_at = now() - interval '1 hour', status_read_at = now(),
                   rx_dbm = -14 - (n.k % 157) / 10.0, tx_dbm = 2.1, distance_m = 300 + n.k % 9000,
                   optical_read_at = now(), authorized_at = now() - interval '30 days'
            FROM numbered n JOIN ports p ON p.k = n.k % 1600
            WHERE o.id = n.id
        """))
        onu_id = session.execute(text(
            "SELECT id FROM onus WHERE lifecycle_state = 'active' AND status = 'online' ORDER BY id LIMIT 1"
        )).scalar_one()
        session.execute(text("""
            INSERT INTO onu_samples (onu_id, olt_id, sampled_at, status, rx_dbm, tx_dbm, olt_rx_dbm, distance_m)
            SELECT o.id, o.olt_id, now() - make_interval(mins => 5 * n), 'online',
                   -19 - 3 * sin(n / 40.0) - (n % 7) / 10.0, 2.1, -22.5, o.distance_m
            FROM onus o, generate_series(0, 8639) n WHERE o.id = :onu
        """), {"onu": onu_id})
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE onus, pon_ports, olts, onu_samples")
    return onu_id


def fragments_of(html: str) -> list[str]:
    return re.findall(r'data-src="([^"]+)"', html)


def time_page(http: httpx.Client, path: str, requests: int) -> list[float]:
    """Milliseconds per load of `path` and of the fragments its frame loads."""
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = http.get(path)
        answer.raise_for_status()
        for fragment in fragments_of(answer.text):
            http.get(fragment.replace("&amp;", "&")).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def page_weight(base: str, username: str, password: str) -> tuple[int, int] | None:
    """(bytes, requests) of the dashboard as a browser loads it, or None without chromium."""
    if not os.path.exists(CHROMIUM):
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        sizes: list[int] = []
        page.on("requestfinished", lambda request: sizes.append(request.sizes()["responseBodySize"]))
        page.reload()
        page.wait_for_load_state("networkidle")
        browser.close()
    return sum(sizes), len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--onus", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    env = {**os.environ, "PONSTACK_LOG_LEVEL": "WARNING"}
    env.setdefault("PONSTACK_SECRET_KEY", Fernet.generate_key().decode())
    os.environ["PONSTACK_SECRET_KEY"] = env["PONSTACK_SECRET_KEY"]
    admin, url = empty_database()
    process = None
    try:
        process, base = start_api(REPO, url, env)
        seed(url, args.onus)
        onu_id = spread_over_olts(url)
        from tests.fixtures import make_user

        token = make_user(url, "bench", "admin")
        pages = {
            "dashboard /": "/",
            "ONU list, filtered+sorted": "/console/onus?status=online&band=warning&sort=rx&dir=asc",
            "ONU list, text search": "/console/onus?q=HWTC1",
            "ONU page (24 h chart)": f"/console/onus/{onu_id}",
            "ONU page (30 days chart)": f"/console/onus/{onu_id}?range=30d",
            "customer search": "/console/customers?q=fernsby",
            "subscriptions, sorted": "/console/subscriptions?sort=started&dir=desc",
        }
        print(f"\n{args.onus} ONUs on 4 OLTs / 1,600 PON ports, 8,640 samples for ONU {onu_id}; "
              f"{args.requests} sequential requests per page on loopback; {os.cpu_count()} CPUs")
        print(f"{'page':30} {'median ms':>10} {'p95 ms':>8}")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            for label, path in pages.items():
                time_page(http, path, 5)  # warm-up
                samples = time_page(http, path, args.requests)
                p95 = statistics.quantiles(samples, n=20)[18]
                print(f"{label:30} {statistics.median(samples):10.1f} {p95:8.1f}")
        from console.tests.conftest import make_login

        password = make_login(url, "bench-browser", "admin")
        weight = page_weight(base, "bench-browser", password)
        if weight is None:
            print("page weight: skipped (no /usr/bin/chromium)")
        else:
            print(f"dashboard page weight: {weight[0]:,} bytes in {weight[1]} requests (HTML, fragments, assets)")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        drop_database(admin, url)


if __name__ == "__main__":
    main()
