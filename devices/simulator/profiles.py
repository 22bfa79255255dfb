"""Device profiles: the record formats and identity a simulated clock presents.

The identiX K20 values come from pyzk's README and the K20 capture in pyzk's test.py
(docs/ZK_PROTOCOL.md §12); capacities are the captured ones and are settings, not facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str
    device_name: str
    firmware: str
    platform: str
    serial_prefix: str
    user_record_size: int  # 72 (ZK8/TFT) or 28 (ZK6)
    att_record_size: int  # 40 (TFT), 16 or 8
    live_event_size: int  # 32 (TFT), 12 (ZK6), ...
    fingers_cap: int = 500
    users_cap: int = 500
    records_cap: int = 50_000
    pin_width: int = 9
    fp_version: int = 10
    # Datasets up to this size come back inline as CMD_DATA from 1503; larger ones go
    # through 1504 chunks. 1016 is the most a pyzk UDP client can read in one datagram.
    inline_threshold: int = 1016
    # TCP 1504 replies: None = one CMD_DATA packet per chunk (always works with pyzk);
    # a size splits the chunk into several DATA packets (the TFT 1008-byte habit), which
    # pyzk reads only when the timing happens to suit it, paced or not (docs/ZK_PROTOCOL.md §4.3).
    data_packet_size: int | None = None
    data_packet_gap: float = 0.0
    extra_options: dict[str, str] = field(default_factory=dict)


PROFILES: dict[str, Profile] = {
    "identix_k20": Profile(
        name="identix_k20",
        device_name="K20",
        firmware="Ver 6.60 Jun 9 2017",
        platform="JZ4725_TFT",
        serial_prefix="K20SIM",
        user_record_size=72,
        att_record_size=40,
        live_event_size=32,
        extra_options={"~ExtendFmt": "1", "~UserExtFmt": "1", "~OS": "1", "WorkCode": "0", "~PIN2Width": "9"},
    ),
    "zk6_udp": Profile(
        name="zk6_udp",
        device_name="ZK6",
        firmware="Ver 6.4.1(build 123)",
        platform="ZEM510",
        serial_prefix="ZK6SIM",
        user_record_size=28,
        att_record_size=16,
        live_event_size=12,
        fingers_cap=1500,
        users_cap=3000,
        records_cap=100_000,
        extra_options={"~ExtendFmt": "0"},
    ),
    "tft_split": Profile(
        name="tft_split",
        device_name="F19",
        firmware="Ver 6.60 Aug 23 2016",
        platform="ZMM220_TFT",
        serial_prefix="F19SIM",
        user_record_size=72,
        att_record_size=40,
        live_event_size=32,
        data_packet_size=1008,
        data_packet_gap=0.05,
    ),
}
