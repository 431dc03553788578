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
