"""Admin forms whose validation *is* the service call.

A back-office write must go through the app's service (one code path: policy, locks, audit). A
plain ModelAdmin validates the form, then saves the instance itself, and a refusal found only by
the service (not enough stock under the lock, a courier who already has this package) would then
come too late to show beside the field. So `ServiceModelForm.clean()` calls the service, inside
the service's own transaction: a refusal (`DomainError`) rolls back and becomes a form error,
nothing saved; an acceptance is the write, and `save()` hands the admin the saved object (the
admin's `save_model` then does nothing). The admin view runs in a transaction too, so a later
failure of the request still undoes everything.

Only for admins without inline formsets (an invalid inline would otherwise come after the write).
"""

from django import forms

from nuanxin.core.errors import DomainError, ValidationFailed


class ServiceModelForm(forms.ModelForm):
    request = None  # bound per request by `bind_request`
    # Service field name → form field name, where they differ (e.g. "area_code" → "area").
    service_fields = {}

    def perform(self, actor, data):
        """Call the service with the cleaned `data`; return the saved object."""
        raise NotImplementedError

    def _form_field(self, name):
        name = self.service_fields.get(name, name)
        return name if name in self.fields else None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.result = self.perform(self.request.user, cleaned)
        except ValidationFailed as error:
            for field, messages in error.errors.items():
                for message in messages:
                    self.add_error(self._form_field(field), str(message))
        except DomainError as error:
            self.add_error(self._form_field(error.field) if error.field else None, error.text())
        return cleaned

    def _post_clean(self):
        # The service validated (and saved); the model's own full_clean on this unsaved instance
        # would only repeat it.
        pass

    def save(self, commit=True):
        self.instance = self.result
        self.save_m2m = lambda: None
        return self.result


def bind_request(form_class, request):
    """The admin's form class with the request (the acting user) attached."""
    return type(form_class.__name__, (form_class,), {"request": request})


class ServiceAdminMixin:
    """ModelAdmin part: forms get the request; `save_model` does not save (the form did)."""

    def get_form(self, request, obj=None, **kwargs):
        return bind_request(super().get_form(request, obj, **kwargs), request)

    def save_model(self, request, obj, form, change):
        # `form.save()` returned the object the service saved; the admin passes it here as `obj`.
        pass

    def save_related(self, request, form, formsets, change):
        pass
