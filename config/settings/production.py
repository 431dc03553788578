"""Production settings: refuse to start without real secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
NUANXIN_DEMO = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
if SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a real secret of at least 40 characters.")
if "DATABASE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
for name in ("NUANXIN_FIELD_ENCRYPTION_KEYS", "NUANXIN_LOOKUP_HASH_KEY"):
    if name not in env.ENVIRON:
        raise ImproperlyConfigured(f"{name} must be set in production.")
# The console backend writes sign-in codes to the log and the locmem one keeps them for tests: never
# in production.
NUANXIN_SMS_BACKEND = env("NUANXIN_SMS_BACKEND", default="")
if not NUANXIN_SMS_BACKEND or NUANXIN_SMS_BACKEND.endswith(("ConsoleSmsBackend", "LocmemSmsBackend")):
    raise ImproperlyConfigured("NUANXIN_SMS_BACKEND must name a real SMS provider in production.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_CONTENT_TYPE_NOSNIFF = True
NUANXIN_TASK_BACKEND = env("NUANXIN_TASK_BACKEND", default="celery")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
