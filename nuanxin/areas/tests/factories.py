"""Build small area trees for tests: `make_area` keeps path and full name right."""

from nuanxin.areas.models import Area
from nuanxin.areas.services import area_create


def make_area(code, name, level, parent=None):
    existing = Area.objects.filter(code=code).first()
    return existing or area_create(code=code, name=name, level=level, parent=parent)


def make_tree():
    """天津市 → 和平区 → {劝业场街道 → 花园路社区, 小白楼街道}; 天津市 → 河东区 → 大王庄街道."""
    city = make_area("120000000000", "天津市", Area.Level.CITY)
    heping = make_area("120101000000", "和平区", Area.Level.DISTRICT, city)
    quanyechang = make_area("120101001000", "劝业场街道", Area.Level.STREET, heping)
    huayuanlu = make_area("120101001001", "花园路社区", Area.Level.COMMUNITY, quanyechang)
    xiaobailou = make_area("120101002000", "小白楼街道", Area.Level.STREET, heping)
    hedong = make_area("120102000000", "河东区", Area.Level.DISTRICT, city)
    dawangzhuang = make_area("120102001000", "大王庄街道", Area.Level.STREET, hedong)
    return {
        "city": city,
        "district": heping,
        "street": quanyechang,
        "community": huayuanlu,
        "other_street": xiaobailou,
        "other_district": hedong,
        "other_district_street": dawangzhuang,
    }
