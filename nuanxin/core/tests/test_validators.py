import pytest

from nuanxin.core.validators import id_number_check_char, normalize_id_number, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("12800138000", None),  # no mobile prefix 12
        ("1380013800", None),  # 10 digits
        ("abc", None),
        ("", None),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


def test_id_number_check_digit_follows_gb11643():
    # The worked example of GB 11643-1999, appendix: 11010519491231002X.
    assert id_number_check_char("11010519491231002") == "X"
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad", ["110105194912310021", "11010519491331002X", "1101051949123100", "ABCDEFGHIJKLMNOPQR"]
)
def test_bad_id_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        normalize_id_number(bad)
