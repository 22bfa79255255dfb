"""A simulated ZK time clock (identiX K20 and other ZKTeco-family devices) for tests and demos.

    with Simulator(users=5, records=100, tcp_port=0, udp_port=0) as sim:
        ZK("127.0.0.1", port=sim.tcp_port, ommit_ping=True).connect()

See server.Simulator for the control API and docs/DEVICES.md for the fault table.
"""

from __future__ import annotations

from devices.simulator.faults import Fault, parse_fault
from devices.simulator.model import Punch, UserRecord
from devices.simulator.profiles import PROFILES, Profile
from devices.simulator.server import LogEntry, Simulator

__all__ = ["PROFILES", "Fault", "LogEntry", "Profile", "Punch", "Simulator", "UserRecord", "parse_fault"]
