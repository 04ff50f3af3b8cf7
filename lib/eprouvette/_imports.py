"""Imports coûteux, faits une seule fois et au plus juste (machinerie).

``jsonschema`` importe ``rfc3987_syntax`` dès qu'il est installé (c'est le cas : Jupyter le tire,
via ``jupyter-events`` et ``jsonschema[format-nongpl]``) pour vérifier le format « iri ». Ce
module construit une grammaire Lark à l'import : **2 s de CPU** à chaque démarrage de noyau,
soit près de la moitié des imports d'un rapport, pour un format que nos schémas n'utilisent pas
(ils ne vérifient que « date »). :func:`jsonschema` importe donc ``jsonschema`` en écartant
``rfc3987_syntax`` le temps de l'import : le format « iri » n'est alors plus vérifié (il ne l'est
nulle part chez nous), tous les autres le restent. frictionless, qui importe aussi
``jsonschema``, passe par :func:`frictionless` pour en profiter.

Si ``jsonschema`` est déjà importé (par Jupyter, par exemple), rien n'est changé.
"""

from __future__ import annotations

import sys
from types import ModuleType

_ECARTE = "rfc3987_syntax"


def jsonschema() -> ModuleType:
    """Le module ``jsonschema``, importé sans ``rfc3987_syntax`` (voir le module)."""
    if "jsonschema" in sys.modules:
        return sys.modules["jsonschema"]
    deja = _ECARTE in sys.modules
    if not deja:
        sys.modules[_ECARTE] = None  # type: ignore[assignment]  # « import » lève ImportError
    try:
        import jsonschema as module
    finally:
        if not deja and sys.modules.get(_ECARTE, 0) is None:
            del sys.modules[_ECARTE]
    return module


def frictionless() -> ModuleType:
    """Le module ``frictionless`` (après :func:`jsonschema`, pour le même gain)."""
    jsonschema()
    import frictionless as module

    return module
