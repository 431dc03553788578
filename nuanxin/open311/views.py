"""The GeoReport v2 endpoints under /open311/v2/. Thin: parse, call services/selectors, render.

Every endpoint answers in the format of its extension (.json or .xml), errors included, and checks
`jurisdiction_id` (query string, or body for POST). Reads are public, as the spec has them; only
POST requests needs an api_key. CSRF does not apply: clients are other programs authenticated by
the api_key, not browsers holding a session.
"""

import functools

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from . import selectors, services
from .formats import render, render_errors
from .services import Open311Error

METHOD_NOT_ALLOWED = _("Method %(method)s is not allowed here.")
ENDPOINT_NOT_FOUND = _("No such Open311 endpoint; see discovery.json.")


def open311_endpoint(*methods):
    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request, *args, fmt, **kwargs):
            try:
                if request.method not in methods:
                    response = render_errors(405, [METHOD_NOT_ALLOWED % {"method": request.method}], fmt=fmt)
                    response["Allow"] = ", ".join(methods)
                    return response
                params = request.POST if request.method == "POST" else request.GET
                selectors.check_jurisdiction(params.get("jurisdiction_id"))
                return view(request, *args, fmt=fmt, params=params, **kwargs)
            except Open311Error as error:
                return render_errors(error.status, error.descriptions, fmt=fmt)

        return wrapper

    return decorate


@open311_endpoint("GET")
def discovery(request, *, fmt, params):
    endpoint_url = request.build_absolute_uri(reverse("open311:root"))
    return render(selectors.discovery(endpoint_url=endpoint_url), fmt=fmt, root="discovery")


@open311_endpoint("GET")
def service_list(request, *, fmt, params):
    return render(selectors.service_list(), fmt=fmt, root="services")


@open311_endpoint("GET")
def service_definition(request, service_code, *, fmt, params):
    return render(selectors.service_definition(service_code), fmt=fmt, root="service_definition")


@open311_endpoint("GET", "POST")
def requests(request, *, fmt, params):
    if request.method == "GET":
        return render(selectors.request_list(params), fmt=fmt, root="service_requests")
    api_key = services.api_key_authenticate(params.get("api_key"))
    submission, _replayed = services.open311_request_create(
        api_key=api_key,
        params=params,
        files=request.FILES.getlist("media"),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    body = [
        {
            "service_request_id": str(submission.report.public_id),
            "token": submission.token,
            "service_notice": "",
            "account_id": None,
        }
    ]
    return render(body, fmt=fmt, root="service_requests")


@open311_endpoint("GET")
def request_detail(request, service_request_id, *, fmt, params):
    return render(selectors.request_get(service_request_id), fmt=fmt, root="service_requests")


@open311_endpoint("GET")
def token_detail(request, token, *, fmt, params):
    return render(selectors.token_get(token), fmt=fmt, root="service_requests")


def root(request):
    """The bare base URL answers with the discovery document, so a person trying it sees the map."""
    return discovery(request, fmt="json")


@csrf_exempt
def not_found(request, fmt="json"):
    return render_errors(404, [ENDPOINT_NOT_FOUND], fmt=fmt if fmt in ("json", "xml") else "json")
