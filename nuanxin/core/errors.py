"""Domain errors. Services raise these; the API, pages and admin turn them into messages.

Every message is a module-level lazy translation, so the text follows the request's language.
"""

from django.utils.translation import gettext_lazy as _

NOT_FOUND = _("Not found.")
PERMISSION_DENIED = _("You do not have permission to do this.")
AUTHENTICATION_REQUIRED = _("Please sign in first.")


class DomainError(Exception):
    """A refusal the user can act on. `field` names the input at fault, if one is."""

    status_code = 400
    code = "invalid"

    def __init__(self, message, *, field=None, code=None, params=None):
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.params = params or {}
        super().__init__(str(message))

    def text(self):
        return str(self.message) % self.params if self.params else str(self.message)


class ValidationFailed(DomainError):
    """Several field errors at once: `errors` maps field name to a list of messages."""

    status_code = 422
    code = "validation_error"

    def __init__(self, errors):
        self.errors = errors
        first = next(iter(errors.values()))[0] if errors else ""
        super().__init__(first)


class NotFound(DomainError):
    status_code = 404
    code = "not_found"

    def __init__(self, message=NOT_FOUND):
        super().__init__(message)


class PermissionDenied(DomainError):
    status_code = 403
    code = "permission_denied"

    def __init__(self, message=PERMISSION_DENIED):
        super().__init__(message)


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
