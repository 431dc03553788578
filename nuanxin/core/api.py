"""API plumbing shared by every router: authentication, error translation, pagination.

Errors always come back as
    {"code": "...", "message": "...", "errors": [{"field": "lat", "code": "...", "message": "..."}]}
in the request's language (zh-hans unless the request asks for English).
"""

from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from .errors import AUTHENTICATION_REQUIRED, NOT_FOUND, DomainError, ValidationFailed

INVALID_INPUT = _("The input is not valid.")

# Pydantic error types → translated messages. `%(name)s` placeholders come from the error's ctx.
PYDANTIC_MESSAGES = {
    "missing": _("This field is required."),
    "float_parsing": _("Enter a number."),
    "float_type": _("Enter a number."),
    "int_parsing": _("Enter a whole number."),
    "int_type": _("Enter a whole number."),
    "int_from_float": _("Enter a whole number."),
    "bool_parsing": _("Enter true or false."),
    "bool_type": _("Enter true or false."),
    "string_type": _("Enter text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("The format is not valid."),
    "greater_than": _("Must be greater than %(gt)s."),
    "greater_than_equal": _("Must be at least %(ge)s."),
    "less_than": _("Must be less than %(lt)s."),
    "less_than_equal": _("Must be at most %(le)s."),
    "enum": _("Choose one of: %(expected)s."),
    "literal_error": _("Choose one of: %(expected)s."),
    "uuid_parsing": _("Not a valid ID."),
    "uuid_type": _("Not a valid ID."),
    "date_parsing": _("Enter a valid date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": _("Enter a valid date (YYYY-MM-DD)."),
    "datetime_parsing": _("Enter a valid date and time."),
    "datetime_from_date_parsing": _("Enter a valid date and time."),
    "time_parsing": _("Enter a valid time (HH:MM)."),
    "list_type": _("Enter a list."),
    "dict_type": _("Enter an object."),
    "model_type": _("Enter an object."),
    "json_invalid": _("The request body is not valid JSON."),
    "too_long": _("Too many items (at most %(max_length)s)."),
    "too_short": _("Too few items (at least %(min_length)s)."),
    "extra_forbidden": _("This field is not allowed."),
    "url_parsing": _("Enter a valid URL."),
    "url_scheme": _("Enter a valid URL."),
}

# Parts of a pydantic location that say where the value came from, not which field it is.
_LOCATION_PREFIXES = {"query", "path", "body", "form", "file", "header", "cookie", "payload", "data"}


def _field_name(loc):
    parts = [str(part) for part in loc]
    while parts and parts[0] in _LOCATION_PREFIXES:
        parts.pop(0)
    return ".".join(parts) or "__all__"


def translate_pydantic_error(error):
    """One pydantic error dict as {"field", "code", "message"} in the active language."""
    error_type = error.get("type", "")
    template = PYDANTIC_MESSAGES.get(error_type)
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if template is None and error_type == "value_error" and "error" in (error.get("ctx") or {}):
        # Our own validators raise ValueError with an already translated message.
        message = str(error["ctx"]["error"])
    elif template is None:
        message = _gettext("The value is not valid.")
    else:
        try:
            message = str(template) % ctx
        except (KeyError, ValueError):
            message = str(template)
    return {"field": _field_name(error.get("loc", ())), "code": error_type or "invalid", "message": message}


def error_body(code, message, errors=()):
    return {"code": code, "message": str(message), "errors": list(errors)}


def install_error_handlers(api):
    """Register the handlers that turn every failure into the shape above."""

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc):
        errors = [translate_pydantic_error(error) for error in exc.errors]
        message = errors[0]["message"] if len(errors) == 1 else _gettext("The input is not valid.")
        return api.create_response(request, error_body("validation_error", message, errors), status=422)

    @api.exception_handler(ValidationFailed)
    def _validation_failed(request, exc):
        errors = [
            {"field": field, "code": "invalid", "message": str(message)}
            for field, messages in exc.errors.items()
            for message in messages
        ]
        return api.create_response(request, error_body(exc.code, exc.text(), errors), status=exc.status_code)

    @api.exception_handler(DomainError)
    def _domain(request, exc):
        errors = [{"field": exc.field, "code": exc.code, "message": exc.text()}] if exc.field else []
        return api.create_response(request, error_body(exc.code, exc.text(), errors), status=exc.status_code)

    @api.exception_handler(AuthenticationError)
    def _authentication(request, exc):
        return api.create_response(
            request, error_body("not_authenticated", AUTHENTICATION_REQUIRED), status=401
        )

    @api.exception_handler(HttpError)
    def _http(request, exc):
        message = NOT_FOUND if exc.status_code == 404 else exc.message
        return api.create_response(request, error_body("error", message), status=exc.status_code)


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>` for API clients."""

    def authenticate(self, request, token):
        from nuanxin.accounts.services import access_token_authenticate

        user = access_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The Django session of the mobile site and the back office (CSRF-checked on writes)."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


def optional_auth(request):
    """For public endpoints that show more to signed-in users: never refuses."""
    return True


AUTH = [BearerAuth(), SessionAuth()]
