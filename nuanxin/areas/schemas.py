"""API shapes of the area tree."""

from ninja import Schema


class AreaOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    full_name: str
    parent_code: str | None = None
    children_count: int = 0

    @staticmethod
    def resolve_level_label(obj):
        return str(obj.get_level_display())

    @staticmethod
    def resolve_children_count(obj):
        return getattr(obj, "children_count", 0)

    @staticmethod
    def resolve_parent_code(obj):
        return getattr(obj, "parent_code", None)


class AreaListOut(Schema):
    items: list[AreaOut]


class AreaDetailOut(AreaOut):
    ancestors: list[AreaOut]
