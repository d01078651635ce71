"""`make bench`: every benchmark, one after another (each prints its own table)."""

from benchmarks import provisioning, snmp_poll

if __name__ == "__main__":
    provisioning.main()
    snmp_poll.main()
