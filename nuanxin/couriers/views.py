"""The courier's own pages of the mobile site (session cookie), mounted at /m/.

    /m/              home: greeting, profile completeness, quick links (a sign-in invitation when anonymous)
    /m/login/        phone → texted code → signed in (django.contrib.auth.login)
    /m/logout/       sign out (POST; GET asks)
    /m/privacy/      read and accept the current privacy notice
    /m/register/     the registration form (also "edit my profile")
    /m/me/           my profile; links to export, delete, sign out
    /m/me/export/    download all my data as JSON
    /m/me/delete/    delete my account (asks for the word DELETE)

Views only parse forms and call the same services as the API (`signin`, `services`); errors come
back as field messages on the page with status 400 (429 for rate limits).
"""

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanxin.areas.models import Area
from nuanxin.core.errors import DomainError, ValidationFailed

from . import services, signin
from .decorators import courier_login_required
from .models import Company, CourierProfile, WorkerGroup
from .permissions import courier_has_current_consent, current_privacy_notice
from .schemas_me import profile_completeness

CODE_SENT = _("A 6-digit code was sent to %(phone)s. It is valid for 5 minutes.")
DEMO_CODE_HINT = _("Demo site: enter the code 123456 (no text message is sent).")
SIGNED_OUT = _("You have signed out.")
PROFILE_SAVED = _("Your profile is saved.")
ACCOUNT_DELETED = _("Your account and personal data have been deleted.")
NO_NOTICE = _("There is no privacy notice yet.")
CHILD_ROWS = 3


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _after_sign_in(request, profile):
    """Where a freshly signed-in courier goes: consent first, then registration, then `next`."""
    target = _safe_next(request, reverse("mobile_couriers:home"))
    if not courier_has_current_consent(profile):
        return redirect(f"{reverse('mobile_couriers:privacy')}?{urlencode({'next': target})}")
    if not profile.is_registered:
        return redirect(f"{reverse('mobile_couriers:register')}?{urlencode({'next': target})}")
    return redirect(target)


# --- home -------------------------------------------------------------------------------------


def home(request):
    """The courier's home. Anonymous visitors get the sign-in invitation and the station finder."""
    user = request.user
    if not (user.is_authenticated and user.is_courier):
        return render(request, "couriers/pages/home.html", {"active_tab": "home", "profile": None})
    return _courier_home(request)


@courier_login_required
def _courier_home(request):
    profile = request.courier
    context = {
        "active_tab": "home",
        "profile": profile,
        "completeness": profile_completeness(profile),
        "unread_count": _unread_count(profile),
    }
    return render(request, "couriers/pages/home.html", context)


def _unread_count(profile):
    manager = getattr(profile, "inbox_messages", None)
    return manager.filter(read_at__isnull=True).count() if manager is not None else 0


# --- sign-in ----------------------------------------------------------------------------------


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=32)


class CodeForm(forms.Form):
    phone = forms.CharField(max_length=32, widget=forms.HiddenInput)
    code = forms.CharField(label=_("Code"), max_length=16)


@require_http_methods(["GET", "POST"])
def login_page(request):
    """Step 1 asks the number and texts a code; step 2 asks the code and signs in."""
    next_url = _safe_next(request, "")
    context = {"next": next_url, "step": "phone", "errors": {}, "notice": None}
    status = 200
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        context["phone"] = phone
        try:
            if request.POST.get("action") == "verify":
                context["step"] = "code"
                profile, _created = signin.sms_code_verify(phone=phone, code=request.POST.get("code", ""))
                login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
                method = "demo" if signin.is_demo_login(profile.phone) else "sms"
                services.courier_sign_in_record(
                    profile=profile, method=method, ip_address=signin.client_ip(request)
                )
                return _after_sign_in(request, profile)
            result = signin.sms_code_request(phone=phone, client_ip=signin.client_ip(request))
            context["step"] = "code"
            context["phone"] = signin.clean_phone(phone)
            context["notice"] = (
                DEMO_CODE_HINT if result.is_demo else CODE_SENT % {"phone": result.phone_masked}
            )
        except ValidationFailed as error:
            context["errors"] = {
                field: [str(message) for message in msgs] for field, msgs in error.errors.items()
            }
            status = 400
        except DomainError as error:
            context["errors"] = {error.field or "general": [error.text()]}
            status = error.status_code
    return render(request, "couriers/pages/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def logout_page(request):
    if request.method == "POST":
        logout(request)
        messages.info(request, SIGNED_OUT)
        return redirect("mobile_couriers:login")
    return render(request, "couriers/pages/logout.html", {"active_tab": "me"})


# --- privacy notice and consent -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@courier_login_required(consent_optional=True)
def privacy_page(request):
    profile = request.courier
    notice = current_privacy_notice()
    context = {
        "notice": notice,
        "has_consented": courier_has_current_consent(profile),
        "next": _safe_next(request, ""),
        "errors": {},
        "active_tab": "me",
    }
    if request.method == "POST" and notice is not None:
        try:
            services.consent_give(
                profile=profile,
                version=request.POST.get("version", ""),
                ip_address=signin.client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ValidationFailed as error:
            context["errors"] = {
                field: [str(message) for message in msgs] for field, msgs in error.errors.items()
            }
            return render(request, "couriers/pages/privacy.html", context, status=400)
        target = _safe_next(request, reverse("mobile_couriers:home"))
        if not profile.is_registered:
            # Registration comes next, then the page the courier first asked for.
            return redirect(f"{reverse('mobile_couriers:register')}?{urlencode({'next': target})}")
        return redirect(target)
    return render(request, "couriers/pages/privacy.html", context)


# --- registration and profile -------------------------------------------------------------------


def _street_groups():
    """Streets grouped by district, for the work-street select (one query)."""
    groups = {}
    streets = Area.objects.filter(level=Area.Level.STREET).select_related("parent").order_by("code")
    for street in streets:
        district = street.parent.name if street.parent_id else ""
        groups.setdefault(district, []).append(street)
    return list(groups.items())


def _form_values(profile):
    children = [
        {"nickname": child.nickname, "birth_year": child.birth_year, "gender": child.gender}
        for child in profile.children.all()
    ]
    return {
        "name": profile.name,
        "worker_group": profile.worker_group,
        "company": profile.company.code if profile.company_id else "",
        "company_other": profile.company_other,
        "site_name": profile.site_name,
        "work_area": profile.work_area.code if profile.work_area_id else "",
        "id_number": "",
        "is_union_member": profile.is_union_member,
        "is_party_member": profile.is_party_member,
        "children": children,
    }


def _posted_values(post):
    children = []
    for index in range(CHILD_ROWS):
        nickname = post.get(f"child-{index}-nickname", "").strip()
        birth_year = post.get(f"child-{index}-birth_year", "").strip()
        gender = post.get(f"child-{index}-gender", "")
        if not (nickname or birth_year):
            continue
        children.append(
            {
                "nickname": nickname,
                "birth_year": int(birth_year) if birth_year.isdigit() else birth_year,
                "gender": gender,
            }
        )
    return {
        "name": post.get("name", ""),
        "worker_group": post.get("worker_group", ""),
        "company": post.get("company", ""),
        "company_other": post.get("company_other", ""),
        "site_name": post.get("site_name", ""),
        "work_area": post.get("work_area", ""),
        "id_number": post.get("id_number", "").strip(),
        "is_union_member": post.get("is_union_member") == "on",
        "is_party_member": post.get("is_party_member") == "on",
        "children": children,
    }


def _child_rows(values, errors):
    rows = []
    for index in range(CHILD_ROWS):
        child = values["children"][index] if index < len(values["children"]) else {}
        rows.append(
            {
                "index": index,
                "nickname": child.get("nickname", ""),
                "birth_year": child.get("birth_year", ""),
                "gender": child.get("gender", ""),
                "errors": [
                    message
                    for field in ("nickname", "birth_year", "gender")
                    for message in errors.get(f"children.{index}.{field}", [])
                ],
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@courier_login_required
def register_page(request):
    profile = (
        CourierProfile.objects.select_related("company", "work_area")
        .prefetch_related("children")
        .get(pk=request.courier.pk)
    )
    values = _form_values(profile)
    errors = {}
    status = 200
    if request.method == "POST":
        values = _posted_values(request.POST)
        submitted = dict(values)
        # An empty ID box keeps the stored number; the "erase" box removes it.
        submitted["id_number"] = (
            "" if request.POST.get("erase_id_number") == "on" else (values["id_number"] or None)
        )
        try:
            services.courier_profile_update(
                actor=request.user, profile=profile, ip_address=signin.client_ip(request), **submitted
            )
        except ValidationFailed as error:
            errors = {field: [str(message) for message in msgs] for field, msgs in error.errors.items()}
            status = 400
        else:
            messages.success(request, PROFILE_SAVED)
            return redirect(_safe_next(request, reverse("mobile_couriers:me")))
    context = {
        "active_tab": "me",
        "profile": profile,
        "values": values,
        "errors": errors,
        "error_count": sum(len(messages_) for messages_ in errors.values()),
        "child_rows": _child_rows(values, errors),
        "worker_groups": WorkerGroup.choices,
        "companies": Company.objects.filter(is_active=True),
        "street_groups": _street_groups(),
        "next": _safe_next(request, ""),
    }
    return render(request, "couriers/pages/register.html", context, status=status)


@courier_login_required
def me_page(request):
    profile = (
        CourierProfile.objects.select_related("company", "work_area")
        .prefetch_related("children")
        .get(pk=request.courier.pk)
    )
    context = {
        "active_tab": "me",
        "profile": profile,
        "completeness": profile_completeness(profile),
        "notice": current_privacy_notice(),
    }
    return render(request, "couriers/pages/me.html", context)


@courier_login_required(consent_optional=True)
def export_page(request):
    data = services.courier_data_export(profile=request.courier, ip_address=signin.client_ip(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="nuanxin-my-data.json"'
    return response


@require_http_methods(["GET", "POST"])
@courier_login_required(consent_optional=True)
def delete_page(request):
    context = {"active_tab": "me", "errors": {}, "word": services.DELETE_CONFIRMATION_WORD}
    if request.method == "POST":
        try:
            services.courier_account_delete(
                profile=request.courier,
                confirmation=request.POST.get("confirmation", ""),
                ip_address=signin.client_ip(request),
            )
        except ValidationFailed as error:
            context["errors"] = {
                field: [str(message) for message in msgs] for field, msgs in error.errors.items()
            }
            return render(request, "couriers/pages/delete.html", context, status=400)
        logout(request)
        messages.info(request, ACCOUNT_DELETED)
        return redirect("mobile_couriers:login")
    return render(request, "couriers/pages/delete.html", context)
