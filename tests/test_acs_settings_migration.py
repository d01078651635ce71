"""Revision 0010 moves the `acs.*` settings into the ACS settings row; the CWMP password ONUs
are given is encrypted on the way (it was clear JSON in `settings`), and a downgrade puts
everything back."""

from __future__ import annotations

import json

import psycopg
from alembic import command

from core.crypto import decrypt
from core.db import dispose_engine, libpq_url
from core.migrate import alembic_config


def set_setting(url: str, key: str, value: object) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("UPDATE settings SET value = %s::jsonb WHERE key = %s", (json.dumps(value), key))


def test_the_cwmp_password_is_encrypted_when_the_settings_move(empty_db_url: str) -> None:
    config = alembic_config(empty_db_url)
    command.upgrade(config, "0009")
    for key, value in (("acs.url", "http://acs.isp.example:7547"), ("acs.username", "cpe"),
                       ("acs.password", "cwmp-Secret-1"), ("acs.huawei_profile_id", 3),
                       ("acs.nbi_url", "http://10.0.0.5:7557")):
        set_setting(empty_db_url, key, value)
    command.upgrade(config, "0010")
    dispose_engine(empty_db_url)
    with psycopg.connect(libpq_url(empty_db_url)) as conn:
        row = conn.execute("SELECT nbi_url, cwmp_url, cwmp_username, cwmp_password, huawei_tr069_profile_id "
                           "FROM acs_settings").fetchall()
        left = conn.execute("SELECT key FROM settings WHERE key LIKE 'acs.%'").fetchall()
    assert len(row) == 1 and left == []
    nbi_url, cwmp_url, username, stored_password, profile = row[0]
    assert (nbi_url, cwmp_url, username, profile) == ("http://10.0.0.5:7557", "http://acs.isp.example:7547", "cpe", 3)
    assert "cwmp-Secret-1" not in stored_password and decrypt(stored_password) == "cwmp-Secret-1"

    command.downgrade(config, "0009")
    dispose_engine(empty_db_url)
    with psycopg.connect(libpq_url(empty_db_url)) as conn:
        back = dict(conn.execute("SELECT key, value FROM settings WHERE key LIKE 'acs.%'").fetchall())
    assert back == {"acs.url": "http://acs.isp.example:7547", "acs.username": "cpe", "acs.password": "cwmp-Secret-1",
                    "acs.huawei_profile_id": 3, "acs.nbi_url": "http://10.0.0.5:7557"}
