"""Writes on accounts: staff accounts (create, change, deactivate) and API access tokens.

Every staff-account service is atomic, checks the permission policy (`permissions.user_policy`;
`actor=None` is the system itself, e.g. a management command, and skips the check), validates its
input into field errors (`ValidationFailed({field: [message]})`) and writes one audit row with a
diff of what changed (never the password itself).

The role ↔ area rule (`ROLE_AREA_LEVELS`): city staff are bound to a city, district staff to a
district, street staff to a street/town, a steward or a merchant to a street/town or a community,
department handlers and counselors to a city, district or street/town.
"""

import secrets
from datetime import timedelta

from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff
from nuanxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry

from .models import STAFF_ROLES, AccessToken, Role, User, hash_token
from .permissions import (
    ADD,
    CHANGE,
    DEACTIVATE,
    VIEW,
    can_assign,
    can_grant_superuser,
    manageable_roles,
    user_policy,
)

AREA_REQUIRED = _("A staff account must be bound to an area.")
AREA_UNKNOWN = _("No area has this code.")
AREA_OUTSIDE_YOURS = _("Choose an area inside your own area.")
AREA_WRONG_LEVEL = _("This role works on: %(levels)s.")
ROLE_UNKNOWN = _("Unknown role.")
ROLE_REQUIRED = _("Choose a role.")
ROLE_ABOVE_YOURS = _("You may not give this role: it is above your own.")
USERNAME_REQUIRED = _("Enter a user name.")
USERNAME_INVALID = _("A user name has at most 150 letters, digits and @ . + - _ characters.")
USERNAME_TAKEN = _("This user name is taken.")
PASSWORD_REQUIRED = _("Enter a password.")
TEXT_TOO_LONG = _("Enter at most %(limit)s characters.")
TEXT_EXPECTED = _("Enter text.")
BOOLEAN_EXPECTED = _("Enter true or false.")
FIELD_NOT_ALLOWED = _("This field is not allowed.")
SUPERUSER_ONLY = _("Only a superuser may create a superuser or make an account one.")
OWN_ACCOUNT = _("You cannot change your own role, area, superuser status or activity.")
DEACTIVATE_OWN_ACCOUNT = _("You cannot deactivate your own account.")

TOKEN_LIFETIME = timedelta(days=30)

ROLE_AREA_LEVELS = {
    Role.CITY_STAFF: (Area.Level.CITY,),
    Role.DISTRICT_STAFF: (Area.Level.DISTRICT,),
    Role.STREET_STAFF: (Area.Level.STREET,),
    Role.STEWARD: (Area.Level.STREET, Area.Level.COMMUNITY),
    Role.DEPARTMENT_HANDLER: (Area.Level.CITY, Area.Level.DISTRICT, Area.Level.STREET),
    Role.MERCHANT: (Area.Level.STREET, Area.Level.COMMUNITY),
    Role.COUNSELOR: (Area.Level.CITY, Area.Level.DISTRICT, Area.Level.STREET),
}

# The keys `staff_user_update` accepts.
UPDATE_KEYS = frozenset(
    ("display_name", "work_phone", "role", "area", "is_active", "is_superuser", "password")
)
_AUDITED_FIELDS = ("username", "display_name", "work_phone", "role", "is_active", "is_staff", "is_superuser")
_USERNAME_VALIDATOR = UnicodeUsernameValidator()


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _user_snapshot(user):
    data = {field: getattr(user, field) for field in _AUDITED_FIELDS}
    data["area"] = user.area.code if user.area_id else None
    return data


def _require(actor, action, obj):
    """NotFound when `actor` may not even see `obj` (missing and forbidden alike), PermissionDenied
    when they may see it but not do `action`. `actor=None` is the system."""
    if actor is None or user_policy.can(actor, action, obj):
        return
    if obj is not None and not user_policy.can(actor, VIEW, obj):
        raise NotFound()
    raise PermissionDenied()


def _clean_text(errors, key, value, *, limit):
    if value is None:
        return ""
    if not isinstance(value, str):
        _add(errors, key, TEXT_EXPECTED)
        return None
    value = value.strip()
    if len(value) > limit:
        _add(errors, key, str(TEXT_TOO_LONG) % {"limit": limit})
        return None
    return value


def _resolve_area(errors, value):
    if value is None or value == "":
        return None
    if isinstance(value, Area):
        return value
    area = Area.objects.filter(code=str(value).strip()).first() if isinstance(value, str | int) else None
    if area is None:
        _add(errors, "area", AREA_UNKNOWN)
    return area


def _level_labels(levels):
    return "、".join(str(Area.Level(level).label) for level in levels)


def _check_role_and_area(errors, *, actor, role, area, is_superuser):
    """The role ↔ area rule and what `actor` may assign. Adds field errors."""
    if role == "" and is_superuser:
        return  # a superuser needs neither role nor area
    if not role:
        _add(errors, "role", ROLE_REQUIRED)
        return
    if role not in STAFF_ROLES:
        _add(errors, "role", ROLE_UNKNOWN)
        return
    if area is None:
        if "area" not in errors:
            _add(errors, "area", AREA_REQUIRED)
        return
    levels = ROLE_AREA_LEVELS[role]
    if area.level not in levels:
        _add(errors, "area", str(AREA_WRONG_LEVEL) % {"levels": _level_labels(levels)})
        return
    if actor is None or can_assign(actor, role, area):
        return
    if role not in manageable_roles(actor):
        _add(errors, "role", ROLE_ABOVE_YOURS)
    else:
        _add(errors, "area", AREA_OUTSIDE_YOURS)


def _password_errors(errors, password, user):
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        for message in error.messages:
            _add(errors, "password", message)


# The keys `staff_user_create` takes (and `staff_user_validate` checks on create).
CREATE_KEYS = frozenset(
    ("username", "password", "password_hash", "role", "area", "display_name", "work_phone", "is_superuser")
)


def _refuse_superuser_grant(actor):
    if actor is not None and not can_grant_superuser(actor):
        error = PermissionDenied(SUPERUSER_ONLY)
        error.field = "is_superuser"
        raise error


def _clean_create(*, actor, data):
    """Validated values of a new account, or PermissionDenied / ValidationFailed."""
    _require(actor, ADD, None)
    if data.get("is_superuser"):
        _refuse_superuser_grant(actor)
    errors = {}
    for key in data:
        if key not in CREATE_KEYS:
            _add(errors, key, FIELD_NOT_ALLOWED)
    username = data.get("username")
    username = User.normalize_username(username.strip()) if isinstance(username, str) else ""
    if not username:
        _add(errors, "username", USERNAME_REQUIRED)
    else:
        try:
            _USERNAME_VALIDATOR(username)
            if len(username) > User._meta.get_field("username").max_length:
                raise DjangoValidationError("too long")
        except DjangoValidationError:
            _add(errors, "username", USERNAME_INVALID)
        else:
            if User.objects.filter(username__iexact=username).exists():
                _add(errors, "username", USERNAME_TAKEN)
    values = {"username": username}
    for key in ("display_name", "work_phone"):
        values[key] = _clean_text(errors, key, data.get(key), limit=User._meta.get_field(key).max_length)
    is_superuser = data.get("is_superuser", False)
    if not isinstance(is_superuser, bool):
        _add(errors, "is_superuser", BOOLEAN_EXPECTED)
        is_superuser = False
    values["is_superuser"] = is_superuser
    values["area"] = _resolve_area(errors, data.get("area"))
    values["role"] = data.get("role") or ""
    _check_role_and_area(
        errors, actor=actor, role=values["role"], area=values["area"], is_superuser=is_superuser
    )
    password = data.get("password")
    password_hash = data.get("password_hash")
    if password_hash:
        try:
            identify_hasher(password_hash)
        except ValueError:
            _add(errors, "password", PASSWORD_REQUIRED)
    elif not password:
        _add(errors, "password", PASSWORD_REQUIRED)
    elif not isinstance(password, str):
        _add(errors, "password", TEXT_EXPECTED)
    else:
        _password_errors(errors, password, User(username=username, display_name=values["display_name"] or ""))
    if errors:
        raise ValidationFailed(errors)
    values["password"] = password_hash or password
    return values


def _clean_update(*, actor, user, data):
    """(values, changed keys, new password or "") of a change, or NotFound / PermissionDenied /
    ValidationFailed."""
    _require(actor, CHANGE, user)
    errors = {}
    for key in data:
        if key not in UPDATE_KEYS:
            _add(errors, key, FIELD_NOT_ALLOWED)
    values = {}
    for key in ("display_name", "work_phone"):
        if key in data:
            text = _clean_text(errors, key, data[key], limit=User._meta.get_field(key).max_length)
            if text is not None:
                values[key] = text
    for key in ("is_active", "is_superuser"):
        if key in data:
            if isinstance(data[key], bool):
                values[key] = data[key]
            else:
                _add(errors, key, BOOLEAN_EXPECTED)
    if "role" in data:
        values["role"] = data["role"] or ""
    if "area" in data:
        values["area"] = _resolve_area(errors, data["area"])
    changed = {key for key, value in values.items() if getattr(user, key) != value}

    if "is_superuser" in changed:
        _refuse_superuser_grant(actor)
    own_fields = changed & {"role", "area", "is_active", "is_superuser"}
    if actor is not None and actor.pk == user.pk and own_fields:
        error = PermissionDenied(OWN_ACCOUNT)
        error.field = sorted(own_fields)[0]
        raise error
    if changed & {"role", "area", "is_superuser"}:
        _check_role_and_area(
            errors,
            actor=actor,
            role=values.get("role", user.role),
            area=values.get("area", user.area),
            is_superuser=values.get("is_superuser", user.is_superuser),
        )
    password = data.get("password") or ""
    if password:
        if not isinstance(password, str):
            _add(errors, "password", TEXT_EXPECTED)
        else:
            _password_errors(errors, password, user)
    if errors:
        raise ValidationFailed(errors)
    return values, changed, password


def staff_user_validate(*, actor, data, user=None):
    """Check a create (`user=None`) or a change of `user` without writing: the admin's forms use it
    to show field errors. Raises exactly what `staff_user_create` / `staff_user_update` would."""
    if user is None:
        _clean_create(actor=actor, data=data)
    else:
        stored = User.objects.select_related("area").filter(pk=user.pk).first()
        if stored is None:
            raise NotFound()
        _clean_update(actor=actor, user=stored, data=data)


@transaction.atomic
def staff_user_create(
    *,
    actor,
    username,
    password,
    role,
    area,
    display_name="",
    work_phone="",
    is_superuser=False,
    password_hash=None,
):
    """Create a staff account bound to `area` (an Area or its code).

    `password_hash` (from `make_password`) may stand in for `password` when a loader creates many
    accounts with one password: hashing costs ~0.4 s an account. It is not checked for strength.

    Raises PermissionDenied when `actor` may not create accounts at all, or asks for a superuser
    without being one; ValidationFailed with field errors on "username" (missing, malformed,
    taken), "password" (missing or too weak), "role" (unknown, above the actor's own) and "area"
    (missing, unknown, wrong level for the role, outside the actor's subtree).
    Side effects: the account (`is_staff`); one audit row ("create") with its values.
    """
    values = _clean_create(
        actor=actor,
        data={
            "username": username,
            "password": password,
            "role": role,
            "area": area,
            "display_name": display_name,
            "work_phone": work_phone,
            "is_superuser": is_superuser,
            "password_hash": password_hash,
        },
    )
    encoded = values.pop("password")
    try:
        with transaction.atomic():
            user = User(**values, is_staff=True)
            if password_hash:
                user.password = encoded
            else:
                user.set_password(encoded)
            user.save()
    except IntegrityError:
        raise ValidationFailed({"username": [USERNAME_TAKEN]}) from None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=user,
        changes=diff({}, _user_snapshot(user)),
        area_path=user.area_path,
    )
    return user


def _lock(user):
    try:
        # `of=("self",)`: PostgreSQL cannot lock the nullable side of the outer join to the area.
        return User.objects.select_for_update(of=("self",)).select_related("area").get(pk=user.pk)
    except User.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
def staff_user_update(*, actor, user, data):
    """Change the fields of a staff account given in `data`: display_name, work_phone, role, area
    (an Area or its code), is_active, is_superuser, password (a new one; empty = unchanged).

    Raises NotFound when `actor` may not see the account (another street's account: missing and
    forbidden alike); PermissionDenied when they may see but not change it, change their own role,
    area, activity or superuser status, or touch `is_superuser` without being a superuser;
    ValidationFailed with field errors (the same rules as `staff_user_create`).
    Side effects: the row (locked while changed); one audit row ("update") with the diff, none
    when nothing changed; the account's access tokens are revoked when it is deactivated.
    """
    locked = _lock(user)
    values, changed, password = _clean_update(actor=actor, user=locked, data=data)
    before = _user_snapshot(locked)
    for key in changed:
        setattr(locked, key, values[key])
    update_fields = sorted({"area" if key == "area" else key for key in changed})
    if password:
        locked.set_password(password)
        update_fields.append("password")
    if update_fields:
        locked.save(update_fields=update_fields)
    if "is_active" in changed and not locked.is_active:
        AccessToken.objects.filter(user=locked).delete()
    changes = diff(before, _user_snapshot(locked))
    if changes or password:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            changes=changes,
            message="password changed" if password else "",
            area_path=locked.area_path,
        )
    return locked


@transaction.atomic
def staff_user_deactivate(*, actor, user):
    """Switch a staff account off: it can no longer sign in and its API tokens stop working.

    Raises NotFound when `actor` may not see the account; PermissionDenied when they may see but
    not deactivate it, or it is their own. Deactivating an inactive account changes nothing.
    Side effects: the row; its access tokens deleted; one audit row ("update").
    """
    locked = _lock(user)
    _require(actor, DEACTIVATE, locked)
    if actor is not None and actor.pk == locked.pk:
        raise PermissionDenied(DEACTIVATE_OWN_ACCOUNT)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    AccessToken.objects.filter(user=locked).delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        changes={"is_active": [True, False]},
        message="deactivated",
        area_path=locked.area_path,
    )
    return locked


def access_token_issue(*, user, name="", lifetime=TOKEN_LIFETIME):
    """Issue a bearer token for `user`. Returns (raw_token, token_row); the raw value is shown once."""
    raw = secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        token_hash=hash_token(raw),
        name=name,
        expires_at=timezone.now() + lifetime,
    )
    return raw, token


def access_token_authenticate(raw):
    """The active user behind a raw bearer token, or None."""
    token = (
        AccessToken.objects.select_related("user", "user__area")
        .filter(token_hash=hash_token(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
