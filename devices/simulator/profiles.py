"""Device profiles: the record formats, transports and habits a simulated clock presents.

Each profile is one firmware family as it is seen in the field; docs/DEVICES.md §3 has the
table and where each value comes from. The identiX K20 values come from pyzk's README and
the K20 capture in pyzk's test.py (docs/ZK_PROTOCOL.md §12); capacities are the captured ones and
are settings, not facts. `zk_tft` is the well-behaved TFT clock the rest of the suite, the
benches and the demo's `Simulator()` default use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str
    device_name: str
    firmware: str
    platform: str
    serial_prefix: str
    user_record_size: int  # 72 (ZK8/TFT) or 28 (ZK6)
    att_record_size: int  # 49 (MB-series 2020+), 40 (TFT), 16 or 8
    live_event_size: int  # 32 (TFT), 12 (ZK6), 10/14/36/37/52 (see PROFILES)
    fingers_cap: int = 500
    users_cap: int = 500
    records_cap: int = 50_000
    pin_width: int = 9
    fp_version: int = 10
    # Whether the firmware answers the protocol over UDP at all. `Simulator(udp=None)` follows
    # this; `udp=True`/`False` overrides it (a site's unit may differ from its family).
    udp: bool = True
    # Datasets up to this size come back inline as CMD_DATA from 1503; larger ones go
    # through 1504 chunks. 1016 is the most a pyzk UDP client can read in one datagram.
    inline_threshold: int = 1016
    # TCP 1504 replies: None = one CMD_DATA packet per chunk (always works with pyzk);
    # a size splits the chunk into several DATA packets (the TFT 1008-byte habit), which
    # pyzk reads only when the timing happens to suit it, paced or not (docs/ZK_PROTOCOL.md §4.3).
    data_packet_size: int | None = None
    data_packet_gap: float = 0.0
    # TCP: write every packet of a multi-packet reply (1504's PREPARE_DATA, DATA..., ACK_OK)
    # and every queued realtime event in one write, so they arrive together in one read,
    # as real clocks' replies do (node-zklib #48). Packet faults still count each packet.
    coalesce: bool = False
    # Bytes of the CMD_GET_FREE_SIZES reply: 92 (20 + 3 int32) normally; 4 for firmware that
    # answers with one int32 (the record count) only, which pyzk cannot read (§6).
    free_sizes_bytes: int = 92
    # False: push-only firmware; it logs punches but the pull protocol sees an empty log
    # (free sizes report 0 records, the ATTLOG dataset is empty), as pyzk #170 describes.
    pull_attendance: bool = True
    extra_options: dict[str, str] = field(default_factory=dict)


_TFT_OPTIONS = {"~ExtendFmt": "1", "~UserExtFmt": "1", "~OS": "1", "WorkCode": "0", "~PIN2Width": "9"}

_ZK_TFT = Profile(
    name="zk_tft",
    device_name="K20",
    firmware="Ver 6.60 Jun 9 2017",
    platform="JZ4725_TFT",
    serial_prefix="TFTSIM",
    user_record_size=72,
    att_record_size=40,
    live_event_size=32,
    extra_options=_TFT_OPTIONS,
)
_ZK6 = Profile(
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
)


def _live(size: int, base: Profile, device_name: str) -> Profile:
    return dataclasses.replace(
        base, name=f"live{size}", device_name=device_name, serial_prefix=f"LV{size}SIM", live_event_size=size
    )


PROFILES: dict[str, Profile] = {
    # A TFT clock that behaves well on both transports: one DATA packet per chunk. The
    # default of Simulator() (tests, benches); before issue #19 this was "identix_k20".
    "zk_tft": _ZK_TFT,
    # The identiX K20 as its JZ4725_TFT firmware "Ver 6.60 Jun 9 2017" is reported: TCP only
    # (no UDP answer), chunks split into 1008-byte DATA packets sent back to back, and the
    # log keeps records stamped before 2001 (punched while the clock sat at its 2000-01-01
    # default after a power loss). Bare pyzk reads its multi-packet chunks only while the
    # packets happen to arrive in separate reads (§4); the adapter frames them.
    "identix_k20": dataclasses.replace(
        _ZK_TFT,
        name="identix_k20",
        serial_prefix="K20SIM",
        udp=False,
        data_packet_size=1008,
    ),
    "zk6_udp": _ZK6,
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
    # MB-series face/fingerprint clocks with 2020+ firmware (MB160, MB10-VL, MB560-VL,
    # SpeedFace-V5L): 49-byte attendance records, the 40-byte TFT layout followed by 9 more
    # bytes (pyzk #174/#166/#222). Values other than the layout are illustrative.
    "mb_49": Profile(
        name="mb_49",
        device_name="MB160",
        firmware="Ver 6.60 Jan 7 2021",
        platform="ZAM180_TFT",
        serial_prefix="MB1SIM",
        user_record_size=72,
        att_record_size=49,
        live_event_size=37,
        fingers_cap=3000,
        users_cap=3000,
        records_cap=100_000,
        pin_width=14,
        extra_options={**_TFT_OPTIONS, "~PIN2Width": "14", "FaceFunOn": "1"},
    ),
    # Push-only firmware (SpeedFace-H5L class, pyzk #170): answers the pull protocol, serves
    # its users, but reports 0 records and an empty log; its punches travel by ADMS push.
    "push_only": dataclasses.replace(
        _ZK_TFT,
        name="push_only",
        device_name="SpeedFace-H5L",
        firmware="Ver 6.60 May 13 2020",
        platform="ZAM180_TFT",
        serial_prefix="PSHSIM",
        pull_attendance=False,
    ),
    # Small wireless units (WL20) answer CMD_GET_FREE_SIZES with one int32 instead of 92 bytes.
    "wl20": dataclasses.replace(
        _ZK_TFT,
        name="wl20",
        device_name="WL20",
        firmware="Ver 6.60 Oct 20 2019",
        platform="ZLM60_TFT",
        serial_prefix="WL2SIM",
        free_sizes_bytes=4,
    ),
    # A TFT clock whose multi-packet replies and realtime events arrive coalesced (one write).
    "coalesced": dataclasses.replace(
        _ZK_TFT,
        name="coalesced",
        serial_prefix="COASIM",
        data_packet_size=1008,
        coalesce=True,
    ),
    # One profile per realtime-event size family (docs/ZK_PROTOCOL.md §5.4): 10 and 14 carry the
    # user id as u16 and 12 as u32 (ZK6-era, numeric ids), 32/36/37/52 as 24 ASCII bytes (TFT).
    "live10": _live(10, _ZK6, "ZK6-10"),
    "live14": _live(14, _ZK6, "ZK6-14"),
    "live36": _live(36, _ZK_TFT, "TFT-36"),
    "live37": _live(37, _ZK_TFT, "TFT-37"),
    "live52": _live(52, _ZK_TFT, "TFT-52"),
}
