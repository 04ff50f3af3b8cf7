"""Réglages communs des tests.

Les tests qui construisent des rapports y consignent la taille de chaque rapport (un chiffre,
pas une assertion) ; elle est affichée en fin de session pytest.
"""

from __future__ import annotations

TAILLES_RAPPORTS: dict[str, tuple[int, int | None]] = {}


def consigner_taille(identifiant: str, octets_html: int, octets_carnet: int | None = None) -> None:
    TAILLES_RAPPORTS[identifiant] = (octets_html, octets_carnet)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TAILLES_RAPPORTS:
        return
    terminalreporter.section("Taille des rapports construits par les tests")
    for ident, (html, carnet) in sorted(TAILLES_RAPPORTS.items()):
        ligne = f"{ident} : HTML {html / 1e6:.2f} Mo"
        if carnet is not None:
            ligne += f", carnet exécuté {carnet / 1e3:.0f} ko"
        terminalreporter.write_line(ligne)
