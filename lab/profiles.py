"""The profiles and ONU types a simulated OLT knows out of the box.

Real OLTs refuse a profile (or ONU type) that was never created on them, so the
simulators do too. These are the defaults: each simulator copies them into its own
attributes (tests may add or remove entries on one instance), and lab/register.py
registers the same names in the database so the demo plan selects profiles that exist.
"""

from __future__ import annotations

#: Huawei SmartAX: `ont-lineprofile gpon profile-id N profile-name NAME`
HUAWEI_LINE_PROFILES: dict[int, str] = {10: "LINE-100M"}
#: Huawei SmartAX: `ont-srvprofile gpon profile-id N profile-name NAME`
HUAWEI_SERVICE_PROFILES: dict[int, str] = {20: "SRV-ROUTER-4ETH"}

#: ZTE ZXAN (C320 and C600): `tcont N profile NAME` selects one of these
ZTE_TCONT_PROFILES: set[str] = {"T-100M"}
#: ZTE ZXAN: `gemport N traffic-limit ... NAME` (C320) / `qos traffic-policy NAME ...` (C600)
ZTE_TRAFFIC_PROFILES: set[str] = {"TR-100M"}
#: ZTE ZXAN: `onu N type NAME sn S` (`show onu-type gpon` on a real OLT)
ZTE_ONU_TYPES: set[str] = {"ZTE-F660", "ZTE-F670L", "HG8245H"}
