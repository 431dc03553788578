from django.conf import settings


def site(request):
    return {
        "site_name": settings.NUANXIN_SITE_NAME,
        "is_demo": settings.NUANXIN_DEMO,
    }
