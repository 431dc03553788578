"""Simplified Chinese is the first language: every string in the catalogs is translated.

`make messages` re-extracts strings; this test then fails on anything left untranslated or fuzzy,
and on compiled catalogs that are older than their sources.
"""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
CATALOGS = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_both_languages_have_catalogs():
    languages = {path.parts[-3] for path in CATALOGS}
    assert {"zh_Hans", "en"} <= languages


@pytest.mark.parametrize("path", [p for p in CATALOGS if p.parts[-3] == "zh_Hans"], ids=str)
def test_chinese_catalog_is_complete(path):
    catalog = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"untranslated in {path.name}: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy in {path.name}: {fuzzy[:20]}"


@pytest.mark.parametrize("path", [p for p in CATALOGS if p.parts[-3] == "en"], ids=str)
def test_english_catalog_is_complete(path):
    # Django falls back to the default language (zh-hans) for a msgid missing from the English
    # catalog, so an empty English entry would show Chinese to an English reader.
    catalog = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    assert not untranslated, f"untranslated in {path.name}: {untranslated[:20]} (run `make messages`)"


def test_english_request_gets_english_and_default_gets_chinese(client, db):
    # An end-to-end check of the fallback rule above, through the API's error messages.
    url = "/api/v1/stations/nearby?lat=200&lng=117"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(url).json()
    assert english["errors"][0]["message"] == "Latitude must be a number from -90 to 90."
    assert chinese["errors"][0]["message"] == "纬度必须是 -90 到 90 之间的数字。"


@pytest.mark.parametrize("path", CATALOGS, ids=str)
def test_compiled_catalog_matches_its_source(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{compiled} is missing: run `make messages`"
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.pofile(str(path)).translated_entries()
    }
    binary = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in polib.mofile(str(compiled))}
    missing = [key for key, value in source.items() if binary.get(key) != value]
    assert not missing, f"{compiled.name} is stale: run `make messages` ({missing[:5]})"
