"""The points and stories pages, mounted at /m/ (namespace "mobile_points"), and the merchant
counter's "my redemptions" page (/m/merchant/redemptions/, beside the scan pages of merchants)."""

from django.urls import path

from . import views, views_merchant

app_name = "mobile_points"
urlpatterns = [
    path("points/", views.points_home, name="home"),
    path("points/leaderboard/", views.leaderboard, name="leaderboard"),
    path("points/rewards/<uuid:public_id>/", views.redeem_code_page, name="redeem_code"),
    path("points/rewards/<uuid:public_id>/code/", views.redeem_code_fragment, name="redeem_code_fragment"),
    path("stories/", views.story_list, name="stories"),
    path("stories/<uuid:public_id>/", views.story_detail, name="story"),
    path("merchant/redemptions/", views_merchant.redemption_list, name="merchant_redemptions"),
    path(
        "merchant/redemptions/<uuid:public_id>/refund/",
        views_merchant.redemption_refund,
        name="merchant_redemption_refund",
    ),
]
