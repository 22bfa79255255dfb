"""Networks an address may come from: one rule for the web clock, the punch policy and the
ADMS push (a location's ``allowed_networks``, a device's ``push_networks``)."""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[Network]:
    """CIDRs, one per line (blank lines ignored). Raises ValueError on anything else."""
    return [ipaddress.ip_network(line.strip(), strict=False) for line in (text or "").splitlines() if line.strip()]


def address_in(address: str | None, networks: list[Network] | tuple[Network, ...]) -> bool:
    """Is ``address`` in one of ``networks``? An unreadable address is in none."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_allowed(address: str | None, networks: list[Network] | tuple[Network, ...]) -> bool:
    """``address_in``, where no networks at all means any address."""
    return not networks or address_in(address, networks)
