"""A billing run over N active subscriptions (default 100,000) on one billing day: wall time and
peak memory of this process (goal: under 30 s and 300 MiB), then the same run again (idempotent:
0 new invoices) and its time. The run is set-based SQL (crm.billing.runs), so the process holds
no per-subscription objects.

Run: `.venv/bin/python -m benchmarks.billing [--subscriptions N] [--keep]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from datetime import date

import psycopg

from benchmarks.provisioning import drop_database, fresh_database
from core.db import session_scope, set_database_url

RUN_ON = date(2026, 3, 5)

SEED = """
INSERT INTO tax_rates (name, rate) VALUES ('VAT 21', 21), ('Reduced 7.25', 7.25);
INSERT INTO service_plans (name, download_kbps, upload_kbps, price, billing_mode, tax_rate_id) VALUES
  ('Bench 100', 100000, 50000, 29.90, 'postpaid', 1),
  ('Bench 300', 300000, 100000, 44.99, 'postpaid', 2),
  ('Bench 1000', 1000000, 500000, 69.95, 'prepaid', 1);
INSERT INTO customers (code, name, email)
  SELECT 'B' || lpad(n::text, 7, '0'), 'Bench customer ' || n, 'c' || n || '@example.net'
  FROM generate_series(1, {n}) AS n;
INSERT INTO subscriptions (customer_id, plan_id, status, started_on, ended_on, billing_day)
  SELECT c.id,
         (SELECT id FROM service_plans ORDER BY id OFFSET (c.id % 3) LIMIT 1),
         CASE WHEN c.id % 100 = 0 THEN 'cancelled' ELSE 'active' END,
         CASE WHEN c.id % 20 = 0 THEN DATE '2026-02-17' ELSE DATE '2025-06-05' END,
         CASE WHEN c.id % 100 = 0 THEN DATE '2026-02-23' END,
         5
  FROM customers c;
INSERT INTO subscription_plan_changes (subscription_id, from_plan_id, to_plan_id, effective_on)
  SELECT s.id, (SELECT min(id) FROM service_plans), s.plan_id, DATE '2026-02-20'
  FROM subscriptions s WHERE s.id % 50 = 1 AND s.plan_id <> (SELECT min(id) FROM service_plans);
ANALYZE;
"""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    admin, url = fresh_database()
    set_database_url(url)
    try:
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            for statement in SEED.replace("{n}", str(int(args.subscriptions))).split(";\n"):
                if statement.strip():
                    conn.execute(statement)  # type: ignore[call-overload]
        seed_s = time.perf_counter() - started
        from crm.billing.runs import run_billing

        before_mib = peak_mib()
        started = time.perf_counter()
        with session_scope(url) as session:
            first = run_billing(session, RUN_ON, "bench")
        first_s = time.perf_counter() - started
        first_peak = peak_mib()
        started = time.perf_counter()
        with session_scope(url) as session:
            second = run_billing(session, RUN_ON, "bench")
        second_s = time.perf_counter() - started
        with psycopg.connect(url) as conn:
            lines_sum, invoices_sum, numbers = conn.execute(
                "SELECT (SELECT sum(amount + tax_amount) FROM invoice_lines),"
                " (SELECT sum(total) FROM invoices),"
                " (SELECT count(DISTINCT number) FROM invoices)").fetchone()  # type: ignore[misc]
        report = {
            "subscriptions": args.subscriptions,
            "seed_s": round(seed_s, 2),
            "run": {"wall_s": round(first_s, 2), "invoices": first.invoices_created, "lines": first.lines_created,
                    "total": str(first.total), "lines_total": str(first.lines_total),
                    "peak_rss_mib": round(first_peak, 1), "rss_before_run_mib": round(before_mib, 1)},
            "repeat": {"wall_s": round(second_s, 2), "invoices": second.invoices_created},
            "check": {"sum_of_lines": str(lines_sum), "sum_of_invoices": str(invoices_sum),
                      "distinct_numbers": numbers},
            "goal": "run under 30 s and 300 MiB; repeat creates 0 invoices",
        }
        print(json.dumps(report, indent=2))
    finally:
        if not args.keep:
            drop_database(admin, url)


if __name__ == "__main__":
    main()
