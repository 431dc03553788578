"""API shapes of accounts. Never a ModelSchema: only what the signed-in user may see of themselves."""

from ninja import Schema


class AccountAreaOut(Schema):
    code: str
    name: str
    level: int
    full_name: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    is_superuser: bool
    area: AccountAreaOut | None = None
    # The roles this account may give to the accounts it manages (empty for non-managers).
    manageable_roles: list[str]
