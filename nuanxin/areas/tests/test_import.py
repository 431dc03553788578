"""The division import: `manage.py import_divisions` and `services.area_import`."""

import pytest
from django.core.management import CommandError, call_command

from nuanxin.areas.models import Area
from nuanxin.areas.services import DivisionImportError, area_import
from nuanxin.core.models import AuditEntry

HEADER = "code,name,level,parent_code\n"
TREE = (
    HEADER + "120000000000,天津市,2,\n"
    "120101000000,和平区,3,120000000000\n"
    "120101001000,劝业场街道,4,120101000000\n"
    "120101001001,花园路社区居委会,5,120101001000\n"
    "120102000000,河东区,3,120000000000\n"
    "120102001000,大王庄街道,4,120102000000\n"
)


@pytest.fixture
def write(tmp_path):
    def _write(text, name="divisions.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return _write


def run(*args):
    """Run the command; (stdout, stderr) or CommandError."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import_divisions", *args, stdout=out, stderr=err)
    except CommandError as error:
        error.stderr = err.getvalue()
        raise
    return out.getvalue(), err.getvalue()


def snapshot_tree():
    return list(Area.objects.order_by("code").values_list("code", "name", "level", "parent__code", "path"))


def test_a_good_file_builds_the_tree_with_paths_and_full_names(db, write):
    # given a small division file
    path = write(TREE)
    # when it is imported by the command
    out, _err = run(path)
    # then every node hangs below its parent with its chain of codes and its full name
    assert "created 6" in out
    street = Area.objects.get(code="120101001000")
    assert street.level == Area.Level.STREET
    assert street.parent.code == "120101000000"
    assert street.path == "/120000000000/120101000000/120101001000/"
    assert street.full_name == "天津市 和平区 劝业场街道"
    assert [area.name for area in street.ancestors()] == ["天津市", "和平区"]
    assert AuditEntry.objects.filter(action="import").count() == 1


def test_importing_the_same_file_again_changes_nothing(db, write):
    path = write(TREE)
    run(path)
    before = snapshot_tree()
    # when the same file comes again
    out, _err = run(path)
    # then nothing is created or changed, and no audit row is added
    assert "created 0, updated 0, unchanged 6" in out
    assert snapshot_tree() == before
    assert AuditEntry.objects.filter(action="import").count() == 1


def test_a_rename_reaches_the_full_names_of_nodes_the_file_leaves_out(db, write):
    run(write(TREE))
    # when a later file renames the district and says nothing of its streets
    result = area_import(
        sources=[
            write(HEADER + "120000000000,天津市,2,\n120101000000,和平新区,3,120000000000\n", "rename.csv")
        ]
    )
    # then the district and everything below it carry the new name
    assert result.updated == 1
    assert result.descendants_updated == 2
    assert Area.objects.get(code="120101001000").full_name == "天津市 和平新区 劝业场街道"
    assert Area.objects.get(code="120101001001").full_name == "天津市 和平新区 劝业场街道 花园路社区居委会"


def test_a_move_rewrites_the_paths_of_the_moved_subtree(db, write):
    run(write(TREE))
    # when the street moves to the other district
    result = area_import(sources=[write(HEADER + "120101001000,劝业场街道,4,120102000000\n", "move.csv")])
    # then the street and its community hang below 河东区
    assert result.updated == 1
    street = Area.objects.get(code="120101001000")
    assert street.parent.code == "120102000000"
    assert street.path == "/120000000000/120102000000/120101001000/"
    community = Area.objects.get(code="120101001001")
    assert community.path == "/120000000000/120102000000/120101001000/120101001001/"
    assert community.full_name == "天津市 河东区 劝业场街道 花园路社区居委会"
    assert set(
        Area.objects.filter(path__startswith="/120000000000/120101000000/").values_list("code", flat=True)
    ) == {"120101000000"}


def test_an_unknown_parent_is_refused_with_its_line_and_nothing_is_written(db, write):
    path = write(
        HEADER
        + "120000000000,天津市,2,\n120101000000,和平区,3,120000000000\n120199001000,某街道,4,120199000000\n"
    )
    # when imported
    with pytest.raises(CommandError) as caught:
        run(path)
    # then the problem names the file, the line and the field; the valid rows are not written either
    assert "divisions.csv:4 [parent_code]" in caught.value.stderr
    assert "120199000000" in caught.value.stderr
    assert "nothing was imported" in str(caught.value)
    assert not Area.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("12010100100,短代码,4,120101000000", "code"),
        ("12010100100X,字母,4,120101000000", "code"),
        ("120101001000,,4,120101000000", "name"),
        ("120101001000,劝业场街道,6,120101000000", "level"),
        ("120101001000,劝业场街道,街道,120101000000", "level"),
        ("120101001000,劝业场街道,4,1201010", "parent_code"),
        ("120101001000,劝业场街道,4,120101001000", "parent_code"),
        ("120101001000,劝业场街道,4", "row"),
        ("120101001000,劝业场街道,2,120101000000", "level"),  # not below its parent
    ],
)
def test_a_bad_row_is_reported_by_line_and_field(db, write, row, field):
    path = write(HEADER + "120000000000,天津市,2,\n120101000000,和平区,3,120000000000\n" + row + "\n")
    with pytest.raises(DivisionImportError) as caught:
        area_import(sources=[path])
    assert [(problem.line, problem.field) for problem in caught.value.problems] == [(4, field)]
    assert f"divisions.csv:4:{field}" in caught.value.errors
    assert not Area.objects.exists()


def test_every_problem_is_listed_at_once(db, write):
    path = write(HEADER + "1,甲,2,\n120000000000,,9,\n120101000000,和平区,3,120000000000\n")
    with pytest.raises(DivisionImportError) as caught:
        area_import(sources=[path])
    assert [(problem.line, problem.field) for problem in caught.value.problems] == [
        (2, "code"),
        (3, "name"),
        (3, "level"),
    ]


def test_a_duplicate_code_names_where_it_first_appeared(db, write):
    first = write(TREE, "a.csv")
    second = write(HEADER + "120101001000,劝业场,4,120101000000\n", "b.csv")
    with pytest.raises(DivisionImportError) as caught:
        area_import(sources=[first, second])
    (problem,) = caught.value.problems
    assert (problem.source, problem.line, problem.field) == ("b.csv", 2, "code")
    assert "a.csv" in problem.message
    assert "4" in problem.message
    assert not Area.objects.exists()


def test_an_error_in_the_second_file_keeps_the_first_from_being_written(db, write):
    good = write(TREE, "good.csv")
    bad = write(HEADER + "120103000000,河西区,3,129900000000\n", "bad.csv")
    with pytest.raises(CommandError):
        run(good, bad)
    assert not Area.objects.exists()


def test_a_wrong_header_is_refused(db, write):
    path = write("code,name,parent,level\n120000000000,天津市,,2\n")
    with pytest.raises(CommandError) as caught:
        run(path)
    assert "divisions.csv:1 [header]" in caught.value.stderr
    assert not Area.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(db, write):
    path = write(TREE, encoding="gbk")
    with pytest.raises(DivisionImportError) as caught:
        area_import(sources=[path])
    assert caught.value.problems[0].field == "file"


def test_a_utf8_file_with_byte_order_mark_and_blank_lines_is_read(db, write):
    path = write("\ufeff" + TREE + "\n\n")
    assert area_import(sources=[path]).created == 6


def test_a_prefix_imports_only_matching_codes_and_their_ancestors(db, write):
    path = write(TREE)
    out, _err = run(path, "--prefix", "120101")
    assert "created 4" in out
    assert set(Area.objects.values_list("code", flat=True)) == {
        "120000000000",
        "120101000000",
        "120101001000",
        "120101001001",
    }


def test_a_malformed_prefix_is_refused(db, write):
    with pytest.raises(CommandError) as caught:
        run(write(TREE), "--prefix", "12x")
    assert "[prefix]" in caught.value.stderr
    assert not Area.objects.exists()


def test_an_import_that_would_make_a_cycle_is_refused(db, write):
    run(write(TREE))
    # 和平区 below its own street
    path = write(
        HEADER + "120101000000,和平区,3,120101001000\n120101001000,劝业场街道,2,120000000000\n", "cycle.csv"
    )
    with pytest.raises(DivisionImportError):
        area_import(sources=[path])
    assert Area.objects.get(code="120101000000").parent.code == "120000000000"


def test_a_child_may_point_to_a_parent_already_in_the_database(db, write):
    run(write(TREE))
    result = area_import(sources=[write(HEADER + "120101002000,小白楼街道,4,120101000000\n", "more.csv")])
    assert result.created == 1
    assert Area.objects.get(code="120101002000").full_name == "天津市 和平区 小白楼街道"


def test_the_shipped_files_hold_all_of_tianjin_and_fangshan(db):
    # when the shipped data is imported (what load_demo does)
    result = area_import()
    # then Tianjin has its 16 districts and 299 streets and towns; Fangshan its 28
    assert result.created == Area.objects.count()
    tianjin = Area.objects.get(code="120000000000")
    assert tianjin.name == "天津市"
    districts = Area.objects.filter(parent=tianjin, level=Area.Level.DISTRICT)
    assert districts.count() == 16
    assert {"和平区", "河西区", "南开区", "河东区", "滨海新区", "蓟州区"} <= set(
        districts.values_list("name", flat=True)
    )
    assert Area.objects.filter(path__startswith=tianjin.path, level=Area.Level.STREET).count() == 299
    assert Area.objects.filter(parent__code="120101000000").count() == 6  # 和平区's six streets
    fangshan = Area.objects.get(code="110111000000")
    assert fangshan.full_name == "北京市 房山区"
    fangshan_streets = Area.objects.filter(parent=fangshan)
    assert fangshan_streets.count() == 28
    assert {"拱辰街道", "西潞街道", "城关街道", "良乡地区", "十渡镇"} <= set(
        fangshan_streets.values_list("name", flat=True)
    )
    # no other Beijing district is shipped
    assert (
        not Area.objects.filter(level=Area.Level.DISTRICT, code__startswith="11")
        .exclude(pk=fangshan.pk)
        .exists()
    )
    assert Area.objects.filter(level=Area.Level.COMMUNITY).count() == 6286
    assert Area.objects.get(code="120101001001").parent.name == "劝业场街道"
    # and importing them again is a no-op
    again = area_import()
    assert (again.created, again.updated) == (0, 0)
