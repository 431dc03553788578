"""Give every entry of the English catalogs its msgid as msgstr.

Why: Django falls back to the default language (zh-hans) for a msgid the active language's
catalog does not translate, so an English catalog with empty entries would show Chinese to an
English reader. The msgids are English already; this makes that explicit. Run by `make messages`.
"""

import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def complete(path):
    catalog = polib.pofile(str(path))
    changed = 0
    for entry in catalog:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            if not all(entry.msgstr_plural.values()) or not entry.msgstr_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                changed += 1
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
            changed += 1
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            changed += 1
    catalog.metadata["Language"] = "en"
    catalog.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
    catalog.save()
    return changed


def main():
    for path in sorted(LOCALE.glob("en/LC_MESSAGES/*.po")):
        print(f"{path.relative_to(LOCALE.parent)}: {complete(path)} entries completed", file=sys.stderr)


if __name__ == "__main__":
    main()
