"""Injected faults: which reply packet they fire on and what they do to the session.

A packet-triggered fault counts the reply packets that match its filters (the request
command and/or the reply code) and fires on the one after `after` matches. `times`
bounds how often it fires (0 = every time it matches again). The same spec strings
work in `Simulator(faults=[...])`, `Simulator.inject()` and `run_device_simulator --fault`.

Kinds:
  drop    close the connection (TCP; after half of the packet when `partial`) / forget the UDP session
  stall   stop answering that session for good (TCP: after half of the packet when `partial`)
  reboot  reboot the device at that packet (all sessions lost, offline `down` seconds)
  lose    don't send that one packet and carry on (a lost UDP datagram, F10)
  late_punch  before building the next attendance dataset (1503), append `count` punches
          even if the device is disabled: a firmware that ignores the lock, so the log
          no longer matches the count the client read with CMD_GET_FREE_SIZES (F12)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from devices.simulator import protocol as p

PACKET_FAULTS = ("drop", "stall", "reboot", "lose")
KINDS = (*PACKET_FAULTS, "late_punch")


@dataclass
class Fault:
    kind: str
    command: int | None = None  # request command whose replies are counted (None = any)
    reply: int | None = None  # reply code to count (None = any), e.g. CMD_DATA for "mid-transfer"
    after: int = 0  # matching packets to let through before firing
    times: int = 1  # how many times to fire; 0 = unlimited
    # TCP: send the first half of the packet before acting. Default: only for DATA packets
    # ("mid-transfer"); a cut header-only reply is a garbled packet, not silence.
    partial: bool | None = None
    down: float = 3.0  # reboot: seconds offline
    count: int = 1  # late_punch: punches to append
    probability: float = 1.0  # chance to fire once `after` is reached (seeded)
    seen: int = field(default=0, repr=False)
    fired: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.partial is None:
            self.partial = self.reply == p.CMD_DATA

    @property
    def exhausted(self) -> bool:
        return bool(self.times) and self.fired >= self.times

    def matches(self, command: int, reply: int) -> bool:
        return (self.command is None or self.command == command) and (self.reply is None or self.reply == reply)

    def should_fire(self, rng: random.Random) -> bool:
        """Count one matching packet; True when the fault fires on it."""
        if self.exhausted:
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.fired += 1
        self.seen = 0
        return True

    # Named constructors for the common "mid-transfer" cases.
    @classmethod
    def drop_mid_transfer(cls, **kwargs: object) -> Fault:
        return cls("drop", command=p.CMD_READ_BUFFER, reply=p.CMD_DATA, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def stall_mid_transfer(cls, **kwargs: object) -> Fault:
        return cls("stall", command=p.CMD_READ_BUFFER, reply=p.CMD_DATA, **kwargs)  # type: ignore[arg-type]


_ALIASES = {"mid": {"command": str(p.CMD_READ_BUFFER), "reply": str(p.CMD_DATA)}}


def _int(value: str) -> int:
    if value.isdigit():
        return int(value)
    code = getattr(p, value.upper(), None) if value.upper().startswith("CMD_") else None
    if isinstance(code, int):
        return code
    return int(value, 0)


def parse_fault(spec: str) -> Fault:
    """Parse `kind[:key=value,...]`, e.g. `drop:mid`, `stall:command=1504,after=2`, `reboot:after=40,down=5`.

    `mid` is shorthand for command=CMD_READ_BUFFER,reply=CMD_DATA (i.e. mid-transfer);
    command/reply accept numbers or names (CMD_DATA).
    """
    kind, _, rest = spec.strip().partition(":")
    kind = kind.strip().replace("-", "_")
    params: dict[str, str] = {}
    for item in filter(None, (x.strip() for x in rest.split(","))):
        if item in _ALIASES:
            params.update(_ALIASES[item])
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault parameter {item!r} must look like key=value")
        params[key.strip()] = value.strip()
    kwargs: dict[str, object] = {}
    for key, value in params.items():
        if key in ("command", "reply"):
            kwargs[key] = _int(value)
        elif key in ("after", "times", "count"):
            kwargs[key] = int(value)
        elif key in ("down", "probability"):
            kwargs[key] = float(value)
        elif key == "partial":
            kwargs[key] = value.lower() in ("1", "true", "yes")
        else:
            raise ValueError(f"unknown fault parameter {key!r}")
    return Fault(kind, **kwargs)  # type: ignore[arg-type]
