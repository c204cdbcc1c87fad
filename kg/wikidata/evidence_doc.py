"""``docs/evidence.md``, generated from ``schemas/evidence.yaml`` and the queries the evidence import sends.

    .venv/bin/python -m kg.wikidata.evidence_doc > docs/evidence.md

A test keeps the file in step, so the definitions users read are the rules glamkg applies.
"""

from __future__ import annotations

from kg.model import evidence, ids
from kg.model.schema import model
from kg.wikidata import evidence_queries as eq
from kg.wikidata import fetch as wf

EXAMPLE_COUNTRY = ("NL", "Q55")
EXAMPLE_PAGE = ("Q1000000", "Q1000001")  # two made-up ids, to show a page's VALUES block


def _class(key: str) -> str:
    c = model().cls(key)
    where = "glamkg-local class" if ids.is_local(c.id) else "Wikidata class"
    return f"`{key}` ({c.id}, {where}, *{c.label}*)"


def _sparql(text: str) -> list[str]:
    body = [ln for ln in text.splitlines() if not ln.startswith("PREFIX ")]
    return ["```sparql", *body, "```"]


def _queries(name: str) -> list[str]:
    ns = wf.Namespaces(ids.wikidata_concept_base())
    out: list[str] = []
    if name == "residence":
        out += ["Listing (one request, ids only):", "", *_sparql(eq.residence_listing_query(ns)), ""]
        out += ["Details of one page of people (long form: one row per statement, key and value):", ""]
        out += [*_sparql(eq.residence_details_query(ns, EXAMPLE_PAGE, ["en"])), ""]
    elif name == "commons":
        code, qid = EXAMPLE_COUNTRY
        out += [f"Listing per institution type and country (here: museums in {code}):", ""]
        out += [*_sparql(eq.commons_listing_query(ns, "museum", qid)), ""]
        out += ["Details of one page of institutions (the institution import's long form):", ""]
        out += [*_sparql(wf.details_query(ns, EXAMPLE_PAGE, ["en"], eq.COMMONS_PROPS)), ""]
    return out


def _brought_in_by(k: evidence.Kind) -> str:
    """The command that writes partnerships of kind ``k``."""
    if k.import_name:
        return f"`glamkg import wikidata --evidence {k.import_name}`"
    return k.brought_in_by or "`glamkg load` (a sheet)"


def markdown() -> str:
    m = model()
    out = [
        "# Evidence of partnerships",
        "",
        "Generated from `schemas/evidence.yaml` and the queries `glamkg import wikidata --evidence` sends, by "
        "`python -m kg.wikidata.evidence_doc > docs/evidence.md`; a test keeps it in step.",
        "",
        "A partnership item in the store is evidence of one **kind**: the first kind below (in this order) one of "
        "whose classes is among its instance-of (P31) classes, else the catch-all kind. The kinds are kept apart "
        "by those classes: *dated* kinds are partnerships that happened between two dates; *undated* kinds are "
        "signs that an institution's content reached Wikimedia Commons, weaker evidence.",
        "",
        "Choose the kinds a gap metric counts with `glamkg gaps --evidence residence,commons_category` (default: "
        "all) and with the dashboard's sidebar filter *Evidence* (the link keeps it: `?evidence=residence`). Every "
        "output says which kinds it counted: the title note of the table, `evidence` in JSON, an `evidence` column "
        "in CSV, and one column `partnerships_<kind>` per kind counted.",
        "",
        "| kind | strength | partnership classes | brought in by |",
        "|---|---|---|---|",
    ]
    for k in evidence.kinds():
        how = _brought_in_by(k)
        classes = ", ".join(f"{c} ({m.cls(c).id})" for c in k.partnership_classes)
        out.append(f"| `{k.key}` {k.label} | {k.strength} | {classes} | {how} |")
    out.append("")
    for k in evidence.kinds():
        out += [f"## `{k.key}`: {k.label}", ""]
        out += [f"- strength: **{k.strength}**" + (" (catch-all: every other partnership)" if k.catch_all else "")]
        out += ["- classes: " + "; ".join(_class(c) for c in k.partnership_classes)]
        out += [f"- brought in by: {_brought_in_by(k)}", ""]
        out += ["**What it proves.** " + k.proves, "", "**What it does not prove.** " + k.does_not_prove, ""]
    out += [
        "## The imports",
        "",
        "`glamkg import wikidata --evidence residence,commons,affiliates` (or `all`) works like the institution "
        "import (docs/import.md): a listing per unit (ids only, saved in the checkpoint), pages of `--page-size` ids, "
        "one store transaction per page recorded in the checkpoint, `--pause` seconds between requests, Retry-After "
        "honoured; run the same command again to resume after an interruption, or later to refresh (content seen "
        "before keeps its retrieved date and is reported unchanged). Import the institutions first: evidence counts "
        "only for institutions in the store, and the command lists the hosts of residencies that are not.",
        "",
        "Every statement written carries one reference: *stated in* Wikidata (or `--stated-in`), *retrieved* (the "
        "day the content was first seen) and *reference URL*, the Wikidata page of the item the evidence was read "
        "from (the person for a residency, the institution for Commons evidence, the affiliate itself).",
        "",
        "Not done yet: an evidence item whose source is gone from Wikidata (a statement removed, a category "
        "deleted) stays in the store after a refresh, and the report does not list it.",
        "",
    ]
    for name in evidence.import_names():
        writes = evidence.rules().imports[name].get("writes") or []
        out += [f"### `--evidence {name}`", ""]
        if name == "residence":
            out += [
                "One partnership item per non-deprecated occupation statement Wikimedian in residence "
                f"({m.cls('wikimedian_in_residence').id}) of a person: instance of "
                f"{_class('wikimedian_in_residence_programme')}; participants: the host (the statement's employer "
                "qualifier P108, else the person's own best-rank employers) and the person; start time and end time "
                "from the P580/P582 qualifiers with their precision; location from the work location qualifier "
                "(P937). Its id is derived from the statement's id on Wikidata, so a re-import updates the same "
                "item. A statement with no employer at all is not written (listed in the report). People are read "
                "worldwide (`--country`/`--type` do not apply).",
                "",
            ]
        elif name == "commons":
            out += [
                "For each institution of `--type` in `--country` with a Commons Institution page (P1612): one "
                f"partnership item of {_class('commons_institution_page_evidence')} naming the page; with a Commons "
                f"category (P373): one of {_class('commons_category_evidence')} naming the category. Participant: "
                "the institution; no dates, no partner. An institution with both has two evidence items: counted "
                "with both kinds, it has two partnerships (and counts once in `partnered_institutions`).",
                "",
            ]
        elif name == "affiliates":
            out += [
                "Wikimedia affiliates as partner organisations (no partnership: an affiliate is a possible partner, "
                "not evidence that a partnership happened), with their country (P17), website, inception and "
                "dissolution. A Wikidata class is queried only when `../shared/wikidata-ids.md` names it; the item "
                "is written with the model's partner class (local ids: the Wikidata classes are not verified "
                "enough to become model classes).",
                "",
                "| model class | Wikidata class queried | checked |",
                "|---|---|---|",
            ]
            for a in evidence.rules().affiliate_classes:
                out.append(f"| {_class(a.model_class)} | {a.wikidata_class or 'none (not imported)'} | {a.checked} |")
            out += [""]
            for a in evidence.rules().affiliate_classes:
                if a.wikidata_class:
                    ns = wf.Namespaces(ids.wikidata_concept_base())
                    out += [f"Listing of {m.cls(a.model_class).label}s:", ""]
                    out += [*_sparql(eq.affiliate_listing_query(ns, a.wikidata_class)), ""]
            out += ["Details: the institution import's long form with country, website, inception, dissolved.", ""]
        if writes:
            out += ["Writes evidence of the kinds " + ", ".join(f"`{w}`" for w in writes) + ".", ""]
        out += _queries(name)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(markdown())
