"""`make bench`: every benchmark, one after another (each prints its own table)."""

from benchmarks import acs, auth_latency, billing, console, crm_latency, provisioning, snmp_poll

if __name__ == "__main__":
    provisioning.main()
    snmp_poll.main()
    auth_latency.main()
    acs.main()
    crm_latency.main()
    billing.main()
    console.main()
