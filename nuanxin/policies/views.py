"""The courier's policy pages: /m/policies/ (search the library) and /m/policies/<id>/ (read one;
the first opening writes the read receipt). Behind `courier_login_required`; a policy of another
area or a draft answers 404."""

from django.http import Http404
from django.shortcuts import render

from nuanxin.core.errors import NotFound
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .models import Category, Department

PAGE_SIZE = 50


@courier_login_required
def policy_list(request):
    q = (request.GET.get("q") or "").strip()[:100]
    department = request.GET.get("department") or ""
    category = request.GET.get("category") or ""
    department = department if department in Department.values else ""
    category = category if category in Category.values else ""
    policies = list(
        selectors.policy_list_for_courier(
            courier=request.courier, q=q, department=department, category=category
        )[:PAGE_SIZE]
    )
    return render(
        request,
        "policies/pages/policy_list.html",
        {
            "policies": policies,
            "q": q,
            "department": department,
            "category": category,
            "departments": Department.choices,
            "categories": Category.choices,
            "active_tab": "policies",
        },
    )


@courier_login_required
def policy_detail(request, public_id):
    try:
        policy = selectors.policy_get_for_courier(courier=request.courier, public_id=public_id)
    except NotFound:
        raise Http404() from None
    services.policy_mark_read(courier=request.courier, policy=policy)
    return render(request, "policies/pages/policy_detail.html", {"policy": policy, "active_tab": "policies"})
