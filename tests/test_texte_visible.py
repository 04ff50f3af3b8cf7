"""L'outil de test qui lit les nombres du texte visible (``tests/texte_visible.py``)."""

from __future__ import annotations

from texte_visible import fausses_precisions


def test_annee_suivie_d_une_ponctuation_haute():
    # Typographie française : espace fine insécable avant « ; », « : », « ! », « ? ».
    for ponctuation in ";:!?":
        assert fausses_precisions(f"Mesures de 2025\u202f{ponctuation} puis de 2026.") == []


def test_nombres_trop_precis_toujours_signales():
    assert len(fausses_precisions("un coût de 410\u202f470\u202f€ ; une baisse de 12,345\u202f%")) == 2
    assert fausses_precisions("1058 compteurs")  # entier de quatre chiffres sans séparateur
    assert fausses_precisions("environ 410\u202f000\u202f€\u202f; 2,5\u202f%") == []
