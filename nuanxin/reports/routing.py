"""Routing: which department a report in (street, category) goes to.

A rule matches when its area is the report's street or one of its ancestors and its category is
the report's or empty (any). Among matches the most specific wins, compared in this order:
1. a rule naming the category beats a catch-all rule (what the problem is decides who fixes it);
2. then the deeper area beats the broader one (the street's own rule beats the district's).
So for sanitation in 劝业场街道: (劝业场, sanitation) > (和平区, sanitation) > (天津市, sanitation) >
(劝业场, any) > (和平区, any) > (天津市, any). Rules of inactive departments are skipped. No rule:
no department — the report waits in the street's triage queue.
"""

from .models import RoutingRule


def ancestor_codes(area):
    return [code for code in area.path.strip("/").split("/") if code]


def route(area, category):
    """The Department for a report in street `area` of `category`, or None (triage queue)."""
    rules = RoutingRule.objects.filter(
        area__code__in=ancestor_codes(area), department__is_active=True
    ).select_related("area", "department")
    matching = [rule for rule in rules if rule.category_id in (None, category.pk)]
    if not matching:
        return None
    best = max(matching, key=lambda rule: (rule.category_id is not None, rule.area.level))
    return best.department
