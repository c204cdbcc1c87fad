"""One rule for language codes (kg.model.languages), the same in the loader, the model, the queries and the import."""

from __future__ import annotations

import pytest

from kg.cli import main
from kg.errors import InputError
from kg.load.targets.quickstatements import Unrepresentable, value_text
from kg.model.languages import is_language_code
from kg.model.values import Monolingual
from kg.wikidata.fetch import languages as parse_languages


def _snak(code):
    return {"snaktype": "value", "property": "P1448",
            "datavalue": {"type": "monolingualtext", "value": {"language": code, "text": "x"}}}


# Codes Wikidata uses for terms or sitelinks, irregular ones included.
REAL = ["en", "nl", "mul", "yue", "pt-br", "zh-hant", "de-ch", "be-x-old", "be-tarask", "zh-min-nan", "roa-tara",
        "cbk-zam", "de-formal", "sr-el", "kk-cyrl", "en-gb", "nan-hani"]
NOT_CODES = ["", "e", "english", "en_GB", "EN", "en-", "-en", "en--gb", "en gb", "zh-hant-", "abcd", "en-toolongtag",
             "fr\n", 42, None]


@pytest.mark.parametrize("code", REAL)
def test_real_wikimedia_codes_are_accepted_everywhere(code):
    assert is_language_code(code)
    assert Monolingual("x", code).datavalue()["value"]["language"] == code
    assert parse_languages(code) == (code,)
    assert value_text(_snak(code)).startswith(code + ":")


@pytest.mark.parametrize("code", NOT_CODES)
def test_what_is_no_language_code_is_refused_everywhere(code):
    assert not is_language_code(code)
    if isinstance(code, str) and code.strip(",") == code and "," not in code and code.strip():
        with pytest.raises(InputError):
            Monolingual("x", code)
        with pytest.raises(Unrepresentable):
            value_text(_snak(code))


def test_query_run_takes_the_codes_the_loader_takes(tmp_path, capsys):
    """be-x-old was accepted by the loader and refused by `glamkg query run`: one rule now, through the CLI."""
    store = tmp_path / "store"
    assert main(["init", "--store", str(store)]) == 0
    capsys.readouterr()
    assert main(["query", "run", "institutions_per_country", "--store", str(store), "-p", "lang=be-x-old"]) == 0
    assert main(["query", "run", "institutions_per_country", "--store", str(store), "-p", "lang=en_GB"]) == 2
    assert "en_GB" in capsys.readouterr().err
