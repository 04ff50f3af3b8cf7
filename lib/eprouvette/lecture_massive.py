"""Lecture des très gros fichiers de relevés (des dizaines de millions de lignes) avec DuckDB.

Un syndicat d'eau ou un gestionnaire de bâtiments livre souvent les relevés bruts de ses
compteurs : 1 000 compteurs relevés toutes les heures pendant 14 mois font 10 millions de
lignes. :func:`lire_tableau` (frictionless + pandas) n'est pas fait pour cela. Ici, DuckDB lit le
fichier (Parquet ou CSV, éventuellement compressé en gzip ou zstd, « ; » et décimale virgule
acceptés), le contrôle en SQL et l'agrège en totaux journaliers **sans jamais charger les lignes
brutes dans pandas** : seul le résultat agrégé (quelques milliers de lignes) devient un DataFrame.

Format attendu (une ligne par relevé) :

- ``date`` : horodatage local (heure légale française, sans décalage) ``AAAA-MM-JJ HH:MM[:SS]``,
  ``AAAA-MM-JJTHH:MM[:SS]``, ``JJ/MM/AAAA HH:MM[:SS]``, ou un jour ``AAAA-MM-JJ`` / ``JJ/MM/AAAA`` ;
- ``compteur`` : identifiant du compteur (donnée potentiellement personnelle : il ne sort jamais
  de ce module) ;
- ``site`` : site du pilote auquel le compteur appartient (facultatif si des groupes sont donnés) ;
- ``indicateur`` : identifiant de l'indicateur (facultatif : ``indicateur_defaut`` sinon) ;
- ``valeur`` : nombre, décimale virgule ou point.

Contrôles (tous comptés, avec la ligne du fichier de la première occurrence ; en-tête = ligne 1) :
colonnes obligatoires, dates illisibles, valeurs illisibles ou vides, compteur ou site vide,
relevés en double (même compteur, indicateur et horodatage ; l'heure répétée du passage à
l'heure d'hiver peut légitimement apparaître deux fois), compteur sans groupe, site ou
indicateur non déclaré.

Limite connue : un CSV dont une cellule entre guillemets contient un saut de ligne fausserait les
numéros de ligne (le contrôle reste juste, seul le numéro cité serait décalé).
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .erreurs import ErreurDonnees, ErreursDonnees
from .francais import accord, compte

#: Formats d'horodatage essayés dans l'ordre (ceux du standard de mesures d'Éprouvette).
FORMATS_DATE = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y",
)
ATTENDU_DATE = "un horodatage AAAA-MM-JJ HH:MM[:SS] (ou JJ/MM/AAAA HH:MM[:SS]) ou un jour AAAA-MM-JJ"

#: Secret statistique : un agrégat de groupe publié porte sur au moins ce nombre de compteurs
#: (même seuil que la publication des données de consommation d'énergie agrégées, 10 points).
SEUIL_COMPTEURS_GROUPE = 10

#: Au-delà de cette taille, `charger_mesures` devrait passer par ce module (voir le rapport).
TAILLE_BASCULE_OCTETS = 50 * 1024 * 1024

_SEPARATEURS = (";", ",", "\t", "|")


def _sql_texte(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _entete_csv(chemin: Path) -> tuple[str, str]:
    """Première ligne et encodage d'un CSV (brut, gzip) ; (« », « ») si illisible ici (zstd…)."""
    nom = chemin.name.lower()
    try:
        if nom.endswith((".zst", ".zstd")):  # pas de zstd dans la bibliothèque standard : DuckDB décompresse
            import duckdb

            ligne = duckdb.execute(
                f"SELECT * FROM read_csv({_sql_texte(str(chemin))}, header=false, auto_detect=false, "
                "columns={'l': 'VARCHAR'}, delim='\x1f', quote='', escape='', compression='zstd') LIMIT 1").fetchone()
            return (ligne[0] or "").lstrip("\ufeff") if ligne else "", "utf-8"
        ouvrir = gzip.open if nom.endswith(".gz") else open
        with ouvrir(chemin, "rb") as f:
            debut = f.read(65536)
    except Exception:
        return "", ""
    if debut.startswith(b"\xef\xbb\xbf"):
        debut = debut[3:]
    try:
        texte, encodage = debut.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        if e.start > len(debut) - 4:  # caractère coupé par la limite de lecture
            texte, encodage = debut[: e.start].decode("utf-8"), "utf-8"
        else:
            texte, encodage = debut.decode("latin-1"), "latin-1"
    return texte.splitlines()[0] if texte else "", encodage


def _source(chemin: Path, separateur: str | None) -> tuple[str, str]:
    """Expression SQL de lecture (toutes colonnes en texte pour un CSV) et type de fichier."""
    nom = chemin.name.lower()
    if nom.endswith(".parquet") or nom.endswith(".pq"):
        return f"read_parquet({_sql_texte(str(chemin))})", "parquet"
    entete, encodage = _entete_csv(chemin)
    if separateur is None and entete:
        comptes = {s: entete.count(s) for s in _SEPARATEURS}
        separateur = max(comptes, key=lambda s: (comptes[s], s == ";"))
        if comptes[separateur] == 0:
            raise ErreurDonnees(chemin, f"séparateur de colonnes introuvable dans l'en-tête « {entete[:80]} ».",
                                ligne=1, attendu="des colonnes séparées par « ; », « , » ou une tabulation")
    # Pas de null_padding : il rend la lecture monofil (deux fois plus lente sur deux cœurs).
    options = ["header=true", "all_varchar=true", "auto_detect=false" if separateur else "auto_detect=true"]
    if separateur:
        options.append(f"delim={_sql_texte(separateur)}")
        # Les noms de colonnes viennent de l'en-tête (auto_detect=false exige la liste des colonnes).
        noms = [c.strip().strip('"').strip().lower() for c in entete.split(separateur)]
        colonnes = ", ".join(f"{_sql_texte(n or f'colonne{i + 1}')}: 'VARCHAR'" for i, n in enumerate(noms))
        options.append(f"columns={{{colonnes}}}")
        options.append("quote='\"'")
    if encodage == "latin-1":
        options.append("encoding='latin-1'")
    return f"read_csv({_sql_texte(str(chemin))}, {', '.join(options)})", "csv"


def _connexion(memoire_max: str, fils: int | None):
    try:
        import duckdb
    except ImportError:  # pragma: no cover - dépendance du projet
        raise RuntimeError("Le paquet « duckdb » est nécessaire pour lire les très gros fichiers de relevés.") from None
    con = duckdb.connect(":memory:")
    temporaire = tempfile.mkdtemp(prefix="eprouvette-duckdb-")
    con.execute(f"SET memory_limit = {_sql_texte(memoire_max)}")
    con.execute(f"SET temp_directory = {_sql_texte(temporaire)}")
    con.execute(f"SET threads = {int(fils or max(1, len(os.sched_getaffinity(0))))}")
    try:
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        # Dans un noyau Jupyter (carnet exécuté par papermill), DuckDB refuse de toucher ce réglage
        # sans ipywidgets ; la barre de progression y est de toute façon désactivée par défaut.
        pass
    # L'ordre des lignes n'importe pas pour l'agrégation ; le garder coûte de la mémoire.
    con.execute("SET preserve_insertion_order = false")
    return con, temporaire


def _expressions(con, source: str, type_fichier: str) -> tuple[dict[str, str], set[str]]:
    """Colonnes présentes (nom en minuscules -> nom réel) et types des colonnes date / valeur."""
    description = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    colonnes = {nom.strip().lower(): nom for nom, *_ in description}
    types = {nom.strip().lower(): str(t).upper() for nom, t, *_ in description}
    return colonnes, types


def _col(nom: str) -> str:
    return '"' + nom.replace('"', '""') + '"'


def agreger_releves(
    chemin: str | Path,
    *,
    groupes: Mapping[str, str] | str | Path | None = None,
    seuil_compteurs: int = SEUIL_COMPTEURS_GROUPE,
    sites_connus: Iterable[str] | None = None,
    indicateurs_connus: Iterable[str] | None = None,
    indicateur_defaut: str | None = None,
    separateur: str | None = None,
    memoire_max: str = "1GB",
    fils: int | None = None,
) -> pd.DataFrame:
    """Totaux journaliers par site (ou par groupe de compteurs) d'un très gros fichier de relevés.

    Paramètres
    ----------
    chemin : fichier ``.parquet`` ou ``.csv`` (``.csv.gz``, ``.csv.zst`` acceptés).
    groupes : correspondance compteur -> groupe (dict, ou CSV à deux colonnes ``compteur``,
        ``groupe``). Donnée, elle remplace la colonne ``site`` : le résultat porte un total par
        groupe dans la colonne ``site``. Les identifiants de compteurs ne sortent jamais (RGPD) et
        un groupe-jour de moins de ``seuil_compteurs`` compteurs est retiré (secret statistique).
    sites_connus, indicateurs_connus : identifiants déclarés dans pilote.yaml (contrôle facultatif).
    indicateur_defaut : indicateur à utiliser si le fichier n'a pas de colonne ``indicateur``.
    separateur : séparateur CSV (détecté sur l'en-tête par défaut).
    memoire_max, fils : mémoire et fils d'exécution de DuckDB (il déborde sur disque au-delà).

    Renvoie le format long du reste de la bibliothèque, trié par site, indicateur et date :
    ``date`` (datetime64[ns], minuit), ``site``, ``indicateur``, ``valeur`` (somme du jour),
    plus ``nb_compteurs`` (compteurs ayant au moins un relevé ce jour-là) et ``nb_releves``.
    ``attrs`` : ``lignes`` (relevés lus), ``groupes_masques`` (groupes-jours retirés).

    Lève :class:`ErreursDonnees` (messages en français : fichier, ligne, colonne, nombre de cas).
    """
    chemin = Path(chemin)
    if not chemin.exists():
        raise ErreursDonnees([ErreurDonnees(chemin, "fichier de relevés introuvable.")])
    source, type_fichier = _source(chemin, separateur)
    con, temporaire = _connexion(memoire_max, fils)
    try:
        return _agreger(con, chemin, source, type_fichier, groupes, seuil_compteurs,
                        sites_connus, indicateurs_connus, indicateur_defaut)
    finally:
        con.close()
        import shutil

        shutil.rmtree(temporaire, ignore_errors=True)


def _agreger(con, chemin, source, type_fichier, groupes, seuil, sites_connus, indicateurs_connus,
             indicateur_defaut) -> pd.DataFrame:
    import duckdb

    try:
        colonnes, types = _expressions(con, source, type_fichier)
    except duckdb.Error as e:
        raise ErreursDonnees([ErreurDonnees(chemin, f"fichier illisible par DuckDB ({_premiere_ligne(e)}).",
                                            conseil="Vérifiez qu'il s'agit bien d'un CSV ou d'un Parquet complet.")]) from None
    obligatoires = ["date", "compteur"] + (["site"] if groupes is None else []) + (
        ["indicateur"] if indicateur_defaut is None else []) + ["valeur"]
    manquantes = [c for c in obligatoires if c not in colonnes]
    if manquantes:
        raise ErreursDonnees([ErreurDonnees(
            chemin, f"{accord(len(manquantes), 'colonne obligatoire absente', 'colonnes obligatoires absentes')} : "
                    f"{', '.join(manquantes)}.", ligne=1 if type_fichier == "csv" else None,
            attendu=f"les colonnes {', '.join(obligatoires)} (trouvé : {', '.join(colonnes) or 'aucune'})")])

    # Expressions typées, selon que la colonne est déjà typée (Parquet) ou du texte (CSV).
    c_date = _col(colonnes["date"])
    if types["date"].startswith("TIMESTAMP"):
        e_ts = f"CAST({c_date} AS TIMESTAMP)"
    elif types["date"] == "DATE":
        e_ts = f"CAST({c_date} AS TIMESTAMP)"
    else:
        formats = "[" + ", ".join(_sql_texte(f) for f in FORMATS_DATE) + "]"
        # Lecture ISO rapide d'abord ; les autres formats seulement pour les cellules qu'elle refuse.
        e_ts = (f"coalesce(TRY_CAST({c_date} AS TIMESTAMP), "
                f"try_strptime(trim(CAST({c_date} AS VARCHAR)), {formats}))")
    c_val = _col(colonnes["valeur"])
    if any(types["valeur"].startswith(t) for t in ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "REAL", "UBIGINT", "UINTEGER", "TINYINT")):
        e_val = f"CAST({c_val} AS DOUBLE)"
    else:
        # Décimale virgule ; les séparateurs de milliers (espaces) seulement si la lecture directe échoue.
        e_val = (f"coalesce(TRY_CAST(replace({c_val}, ',', '.') AS DOUBLE), "
                 f"TRY_CAST(replace(regexp_replace({c_val}, '[\\s\u00a0\u202f]', '', 'g'), ',', '.') AS DOUBLE))")
    # Pas de trim() sur 10 millions de lignes (il double le temps) : un identifiant entouré
    # d'espaces ressort comme site ou indicateur non déclaré, avec sa ligne.
    e_cpt = f"NULLIF(CAST({_col(colonnes['compteur'])} AS VARCHAR), '')"
    e_ind = (f"NULLIF(CAST({_col(colonnes['indicateur'])} AS VARCHAR), '')" if "indicateur" in colonnes
             else _sql_texte(indicateur_defaut))
    e_site = (f"NULLIF(CAST({_col(colonnes['site'])} AS VARCHAR), '')"
              if groupes is None else "CAST(NULL AS VARCHAR)")
    # Heure répétée du passage à l'heure d'hiver (dernier dimanche d'octobre, 2 h locale).
    e_repli = "(month(ts) = 10 AND dayofweek(ts) = 0 AND day(ts) >= 25 AND hour(ts) = 2)"

    # Une seule lecture du fichier, parallèle, directement en totaux par compteur et par jour.
    # Doublons : n - n_distincts relevés de trop ; l'heure répétée d'octobre en autorise n_repli.
    # Horodatages distincts d'un compteur-jour comptés par un champ de 1 440 bits (minute du jour) :
    # 2,5 fois plus rapide et 2 fois moins gourmand qu'un regroupement par horodatage (10 millions
    # de groupes pour 10 millions de relevés). Exact pour des horodatages à la minute (le cas des
    # télérelèves) ; sinon (secondes non nulles), on refait le compte exact par horodatage.
    t0 = time.perf_counter()
    lignes_brutes = (f"SELECT {e_ts} AS ts, {e_val} AS v, {e_cpt} AS compteur, {e_site} AS site, "
                     f"{e_ind} AS indicateur FROM {source}")
    rapide = f"""
        CREATE OR REPLACE TEMP TABLE jours AS
        SELECT compteur, site, indicateur, CAST(ts AS DATE) AS jour,
               sum(v) AS valeur, count(*) AS n, count(v) AS n_valeurs, count(*) FILTER (WHERE v < 0) AS n_negatifs,
               bit_count(bitstring_agg(CAST(hour(ts) * 60 + minute(ts) AS INTEGER), 0, 1439)) AS n_distincts,
               count(*) FILTER (WHERE {e_repli}) // 2 AS n_repli,
               coalesce(bool_and(second(ts) = 0 AND microsecond(ts) = 0), true) AS a_la_minute
        FROM ({lignes_brutes})
        GROUP BY compteur, site, indicateur, CAST(ts AS DATE)
    """
    exact = f"""
        CREATE OR REPLACE TEMP TABLE jours AS
        SELECT compteur, site, indicateur, CAST(ts AS DATE) AS jour,
               sum(s) AS valeur, sum(k) AS n, sum(kv) AS n_valeurs, sum(kn) AS n_negatifs, count(*) AS n_distincts,
               coalesce(sum(k) FILTER (WHERE {e_repli}), 0) // 2 AS n_repli
        FROM (SELECT compteur, site, indicateur, ts, sum(v) AS s, count(*) AS k, count(v) AS kv,
                     count(*) FILTER (WHERE v < 0) AS kn
              FROM ({lignes_brutes})
              GROUP BY compteur, site, indicateur, ts)
        GROUP BY ALL
    """
    try:
        con.execute(rapide)
        if not con.execute("SELECT coalesce(bool_and(a_la_minute), true) FROM jours").fetchone()[0]:
            con.execute(exact)
    except duckdb.OutOfMemoryException as e:
        raise MemoryError(
            f"{chemin} : mémoire de DuckDB insuffisante pour agréger ce fichier ({_premiere_ligne(e)}). "
            "Augmentez memoire_max (par exemple « 1GB ») ou libérez de l'espace disque temporaire.") from None
    except duckdb.Error as e:
        raise ErreursDonnees([ErreurDonnees(chemin, f"lecture interrompue ({_premiere_ligne(e)}).",
                                            conseil="Vérifiez le séparateur, l'encodage et que le fichier est complet.")]) from None

    durees = {"lecture_agregation": time.perf_counter() - t0}
    t0 = time.perf_counter()
    bilan = con.execute(f"""
        SELECT sum(n),
               sum(n) FILTER (WHERE jour IS NULL),
               sum(n - n_valeurs) FILTER (WHERE jour IS NOT NULL),
               sum(n) FILTER (WHERE compteur IS NULL AND jour IS NOT NULL),
               sum(n) FILTER (WHERE site IS NULL AND jour IS NOT NULL AND {'false' if groupes is not None else 'true'}),
               sum(n) FILTER (WHERE indicateur IS NULL AND jour IS NOT NULL),
               sum(n - n_distincts - n_repli) FILTER (WHERE jour IS NOT NULL AND compteur IS NOT NULL
                                                      AND n - n_distincts > n_repli),
               sum(n_negatifs) FILTER (WHERE jour IS NOT NULL)
        FROM jours
    """).fetchone()
    lignes, n_dates, n_valeurs, n_cpt, n_site, n_ind, n_doublons, n_negatifs = (int(x or 0) for x in bilan)
    if lignes == 0:
        raise ErreursDonnees([ErreurDonnees(chemin, "aucun relevé dans le fichier.")])
    probleme = {
        "date": n_dates, "valeur": n_valeurs, "compteur": n_cpt, "site": n_site, "indicateur": n_ind,
        "negatif": n_negatifs, "doublon": n_doublons,
    }
    if any(probleme.values()):
        raise ErreursDonnees(_localiser(con, chemin, source, type_fichier, probleme, e_ts, e_val, e_cpt,
                                        e_site, e_ind, e_repli))

    erreurs: list[ErreurDonnees] = []
    if groupes is not None:
        _charger_groupes(con, groupes, chemin)
        sans_groupe = con.execute("""
            SELECT count(DISTINCT j.compteur) FROM jours j ANTI JOIN groupes g ON j.compteur = g.compteur
        """).fetchone()[0]
        if sans_groupe:
            ligne = _premiere_ligne_ou(con, source, type_fichier, e_cpt,
                                       "x NOT IN (SELECT compteur FROM groupes)")
            erreurs.append(ErreurDonnees(
                chemin, f"{compte(sans_groupe, 'compteur')} " + accord(sans_groupe, "n'appartient", "n'appartiennent") + " "
                        "à aucun groupe (première occurrence ici).",
                ligne=ligne, colonne=colonnes["compteur"],
                conseil="Complétez la table de correspondance compteur -> groupe."))
        cle = "g.groupe"
        jointure = "JOIN groupes g ON j.compteur = g.compteur"
    else:
        cle, jointure = "j.site", ""
    for nom, connus in (("site", sites_connus), ("indicateur", indicateurs_connus)):
        if connus is None or (nom == "site" and groupes is not None):
            continue
        connus = sorted(set(connus))
        con.execute("CREATE OR REPLACE TEMP TABLE connus AS SELECT unnest(?::VARCHAR[]) AS ident", [connus])
        inconnus = [r[0] for r in con.execute(
            f"SELECT DISTINCT {nom} FROM jours WHERE {nom} NOT IN (SELECT ident FROM connus) ORDER BY 1 LIMIT 5").fetchall()]
        if inconnus:
            e_nom = e_site if nom == "site" else e_ind
            ligne = _premiere_ligne_ou(con, source, type_fichier, e_nom, "x NOT IN (SELECT ident FROM connus)")
            erreurs.append(ErreurDonnees(
                chemin, f"{accord(len(inconnus), nom + ' non déclaré', nom + 's non déclarés')} dans pilote.yaml : "
                        f"{', '.join(inconnus)} (première occurrence ici).",
                ligne=ligne, colonne=colonnes.get(nom, nom), attendu=f"l'un de : {', '.join(connus)}"))
    if erreurs:
        raise ErreursDonnees(erreurs)

    seuil_sql = int(seuil) if groupes is not None else 0
    resultat = con.execute(f"""
        SELECT CAST(j.jour AS TIMESTAMP) AS date, {cle} AS site, j.indicateur AS indicateur,
               sum(j.valeur) AS valeur, count(DISTINCT j.compteur) AS nb_compteurs, sum(j.n) AS nb_releves
        FROM jours j {jointure}
        GROUP BY ALL
        ORDER BY site, indicateur, date
    """).df()
    masques = 0
    if seuil_sql:
        trop_petits = resultat["nb_compteurs"] < seuil_sql
        masques = int(trop_petits.sum())
        resultat = resultat.loc[~trop_petits].reset_index(drop=True)
    resultat = resultat.astype({"site": "str", "indicateur": "str", "valeur": "float64",
                                "nb_compteurs": "int64", "nb_releves": "int64"})
    resultat["date"] = resultat["date"].astype("datetime64[ns]")
    durees["controles_resultat"] = time.perf_counter() - t0
    resultat.attrs = {"lignes": lignes, "groupes_masques": masques,
                      "durees_s": {k: round(v, 2) for k, v in durees.items()}}
    return resultat


def _premiere_ligne(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:300]


def _numero(type_fichier: str) -> str:
    # En-tête = ligne 1 dans un CSV ; un Parquet n'a pas d'en-tête : numéro d'enregistrement.
    return "row_number() OVER () + 1" if type_fichier == "csv" else "row_number() OVER ()"


def _premiere_ligne_ou(con, source, type_fichier, expression, condition) -> int | None:
    con.execute("SET preserve_insertion_order = true")  # row_number() OVER () = ordre du fichier
    ligne = con.execute(f"""
        SELECT min(ligne) FROM (SELECT {_numero(type_fichier)} AS ligne, {expression} AS x FROM {source})
        WHERE {condition}
    """).fetchone()[0]
    return int(ligne) if ligne is not None else None


def _localiser(con, chemin, source, type_fichier, probleme, e_ts, e_val, e_cpt, e_site, e_ind, e_repli):
    """Deuxième lecture, seulement en cas d'erreur : numéro de la première ligne fautive de chaque sorte."""
    num = _numero(type_fichier)
    con.execute("SET preserve_insertion_order = true")  # row_number() OVER () = ordre du fichier
    brut = con.execute(f"""
        WITH r AS (SELECT {num} AS ligne, {e_ts} AS ts, {e_val} AS v, {e_cpt} AS compteur, {e_site} AS site,
                          {e_ind} AS indicateur
                   FROM {source})
        SELECT min(ligne) FILTER (WHERE ts IS NULL),
               min(ligne) FILTER (WHERE ts IS NOT NULL AND v IS NULL),
               min(ligne) FILTER (WHERE ts IS NOT NULL AND compteur IS NULL),
               min(ligne) FILTER (WHERE ts IS NOT NULL AND site IS NULL),
               min(ligne) FILTER (WHERE ts IS NOT NULL AND indicateur IS NULL),
               min(ligne) FILTER (WHERE ts IS NOT NULL AND v < 0)
        FROM r
    """).fetchone()
    erreurs = []
    textes = {
        "date": (("date illisible", "dates illisibles"), "date", ATTENDU_DATE),
        "valeur": (("valeur vide ou illisible", "valeurs vides ou illisibles"), "valeur", "un nombre (décimale virgule ou point)"),
        "compteur": (("relevé sans identifiant de compteur", "relevés sans identifiant de compteur"), "compteur", "l'identifiant du compteur"),
        "site": (("relevé sans site", "relevés sans site"), "site", "l'identifiant d'un site déclaré dans pilote.yaml"),
        "indicateur": (("relevé sans indicateur", "relevés sans indicateur"), "indicateur", "l'identifiant d'un indicateur"),
        # Un relevé de compteur est une consommation : négatif, c'est un index remis à zéro ou une
        # différence d'index inversée, qui fausserait les totaux.
        "negatif": (("valeur négative", "valeurs négatives"), "valeur",
                    "une consommation positive ou nulle (différence d'index dans le bon sens)"),
    }
    for (cle, (quoi, colonne, attendu)), ligne in zip(textes.items(), brut):
        n = probleme[cle]
        if n:
            erreurs.append(ErreurDonnees(
                chemin, f"{compte(n, *quoi)} ; la première est à cette ligne.",
                ligne=int(ligne) if ligne is not None else None, colonne=colonne, attendu=attendu))
    if probleme["doublon"]:
        ligne = con.execute(f"""
            SELECT min(ligne) FROM (
                SELECT ligne, ts, row_number() OVER (PARTITION BY compteur, indicateur, ts ORDER BY ligne) AS rang,
                       {e_repli} AS repli
                FROM (SELECT {num} AS ligne, {e_ts} AS ts, {e_cpt} AS compteur, {e_ind} AS indicateur FROM {source})
                WHERE ts IS NOT NULL AND compteur IS NOT NULL)
            WHERE rang > CASE WHEN repli THEN 2 ELSE 1 END
        """).fetchone()[0]
        erreurs.append(ErreurDonnees(
            chemin, f"{compte(probleme['doublon'], 'relevé')} en double (même compteur, indicateur et horodatage) ; "
                    "le premier doublon est ici.",
            ligne=int(ligne) if ligne is not None else None,
            conseil="Gardez un seul relevé par compteur et par horodatage (l'heure répétée d'octobre peut figurer deux fois)."))
    return erreurs


def _charger_groupes(con, groupes, chemin: Path) -> None:
    if isinstance(groupes, Mapping):
        table = pd.DataFrame({"compteur": [str(k) for k in groupes], "groupe": [str(v) for v in groupes.values()]})
    else:
        fichier = Path(groupes)
        entete, _ = _entete_csv(fichier)
        sep = max(_SEPARATEURS, key=lambda s: (entete.count(s), s == ";"))
        table = pd.read_csv(fichier, sep=sep, dtype=str, encoding="utf-8-sig")
        table.columns = [c.strip().lower() for c in table.columns]
        if not {"compteur", "groupe"} <= set(table.columns):
            raise ErreursDonnees([ErreurDonnees(fichier, "colonnes « compteur » et « groupe » attendues.", ligne=1)])
        table = table[["compteur", "groupe"]].apply(lambda s: s.str.strip())
        doublons = table["compteur"].duplicated(keep=False) & table.duplicated(keep=False).eq(False)
        if doublons.any():
            rang = int(table.index[doublons][0]) + 2
            raise ErreursDonnees([ErreurDonnees(fichier, "compteur rattaché à deux groupes différents.", ligne=rang,
                                                colonne="compteur")])
        table = table.drop_duplicates()
    con.register("groupes_df", table)
    con.execute("CREATE OR REPLACE TEMP TABLE groupes AS SELECT DISTINCT compteur, groupe FROM groupes_df")
    con.unregister("groupes_df")


def faut_il_lire_en_masse(fichier: str | Path, option: bool | None = None) -> bool:
    """Vrai si un fichier de relevés (avec colonne ``compteur``) doit passer par DuckDB.

    Option explicite du pilote d'abord ; sinon Parquet, ou plus de 50 Mo sur disque.
    """
    if option is not None:
        return bool(option)
    p = Path(fichier)
    if p.suffix.lower() in (".parquet", ".pq"):
        return True
    return p.exists() and p.stat().st_size > TAILLE_BASCULE_OCTETS
