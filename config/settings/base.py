"""Settings shared by every environment. Values come from the environment (django-environ)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is read when present; real deployments set the environment instead.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "ninja",
    "nuanxin.core",
    "nuanxin.areas",
    "nuanxin.accounts",
    "nuanxin.stations",
    "nuanxin.couriers",
    "nuanxin.needs",
    "nuanxin.messaging",
    "nuanxin.supplies",
    "nuanxin.merchants",
    "nuanxin.housing",
    "nuanxin.reports",
    "nuanxin.open311",
    "nuanxin.volunteers",
    "nuanxin.hall",
    "nuanxin.points",
    "nuanxin.cards",
    "nuanxin.events",
    "nuanxin.care",
    "nuanxin.policies",
    "nuanxin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "nuanxin.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite is the embedded default; DATABASE_URL=postgresql://... switches to PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE makes a write transaction
    # take its lock at BEGIN, so select_for_update-style check-then-act cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "admin:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Simplified Chinese first, English second; times in Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("NUANXIN_MEDIA_ROOT", default=str(BASE_DIR / "media"))

# Uploads: a photo larger than this is refused before it is decoded.
NUANXIN_MAX_UPLOAD_BYTES = env.int("NUANXIN_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 40 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Map tiles. Empty means no tile layer: the finder shows its list and a tile-less map of markers.
# Production points this at a GCJ-02 tile server (e.g. the city's licensed AutoNavi/Tianditu
# mirror) and sets NUANXIN_MAP_TILE_CRS=gcj02 so markers are drawn in that system.
NUANXIN_MAP_TILE_URL = env("NUANXIN_MAP_TILE_URL", default="")
NUANXIN_MAP_TILE_ATTRIBUTION = env("NUANXIN_MAP_TILE_ATTRIBUTION", default="")
NUANXIN_MAP_TILE_CRS = env("NUANXIN_MAP_TILE_CRS", default="gcj02")
# The letters Leaflet substitutes for {s} in the tile URL (e.g. "1234" for webrd0{s}.is.autonavi.com).
NUANXIN_MAP_TILE_SUBDOMAINS = env("NUANXIN_MAP_TILE_SUBDOMAINS", default="abc")

# Background work: "inline" runs tasks in-process (after commit); "celery" sends them to Celery.
NUANXIN_TASK_BACKEND = env("NUANXIN_TASK_BACKEND", default="inline")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TIMEZONE = TIME_ZONE
# Periodic work for `celery -A config.celery beat` (or cron running the matching management command).
CELERY_BEAT_SCHEDULE = {
    # Retries of failed SMS / WeCom deliveries whose back-off has passed (docs/messaging.md).
    "deliveries-send-due": {
        "task": "nuanxin.run_task",
        "schedule": 60.0,
        "args": ("nuanxin.messaging.tasks.deliveries_send_due", {}),
    },
    # Overdue street reports go up to the district (docs/reports.md).
    "reports-escalate-overdue": {
        "task": "nuanxin.run_task",
        "schedule": 300.0,
        "args": ("nuanxin.reports.tasks.escalate_overdue", {}),
    },
    # Points: expire lots past their life; award attended events and approved volunteer hours.
    "points-expire-due": {
        "task": "nuanxin.run_task",
        "schedule": 24 * 3600.0,
        "args": ("nuanxin.points.tasks.expire_due", {}),
    },
    "points-award-sync": {
        "task": "nuanxin.run_task",
        "schedule": 3600.0,
        "args": ("nuanxin.points.tasks.award_sync", {}),
    },
    # Reminders before events to couriers with a confirmed seat (docs/events.md).
    "events-send-reminders": {
        "task": "nuanxin.run_task",
        "schedule": 600.0,
        "args": ("nuanxin.events.tasks.send_reminders", {}),
    },
}
# Event reminders: minutes before the start, e.g. "1440,120" (docs/events.md).
NUANXIN_EVENT_REMINDERS = env.list("NUANXIN_EVENT_REMINDERS", cast=int, default=[24 * 60, 2 * 60])

# Points: hours after confirming during which a merchant may cancel a redemption (docs/points.md).
NUANXIN_POINTS_REFUND_HOURS = env.int("NUANXIN_POINTS_REFUND_HOURS", default=24)
NUANXIN_SITE_NAME = env("NUANXIN_SITE_NAME", default="暖心益站")
NUANXIN_DEMO = env.bool("NUANXIN_DEMO", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Personal data: Fernet keys for fields encrypted at rest (newest first; see docs/privacy.md for
# rotation) and the key of the look-up hashes. Production must set both (production.py checks).
NUANXIN_FIELD_ENCRYPTION_KEYS = env.list(
    "NUANXIN_FIELD_ENCRYPTION_KEYS", default=["insecure-local-field-key-change-me"]
)
NUANXIN_LOOKUP_HASH_KEY = env("NUANXIN_LOOKUP_HASH_KEY", default="insecure-local-hash-key-change-me")

# Courier sign-in (docs/signin.md). SMS leaves through NUANXIN_SMS_BACKEND (console/log by default;
# nuanxin.messaging.sms.AliyunSmsBackend for Aliyun SMS); logical template names map to the
# provider's template codes. WeChat mini-program sign-in exchanges codes at NUANXIN_WECHAT_API_BASE.
NUANXIN_SMS_BACKEND = env("NUANXIN_SMS_BACKEND", default="nuanxin.messaging.sms.ConsoleSmsBackend")
NUANXIN_SMS_TEMPLATES = {
    "login_code": env("NUANXIN_SMS_TEMPLATE_LOGIN_CODE", default="login_code"),
    "announcement": env("NUANXIN_SMS_TEMPLATE_ANNOUNCEMENT", default="announcement"),
}
NUANXIN_SMS_ALIYUN = {
    "access_key_id": env("NUANXIN_SMS_ALIYUN_ACCESS_KEY_ID", default=""),
    "access_key_secret": env("NUANXIN_SMS_ALIYUN_ACCESS_KEY_SECRET", default=""),
    "sign_name": env("NUANXIN_SMS_ALIYUN_SIGN_NAME", default=""),
    "endpoint": env("NUANXIN_SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"),
    "region_id": env("NUANXIN_SMS_ALIYUN_REGION_ID", default="cn-hangzhou"),
}
NUANXIN_WECHAT_API_BASE = env("NUANXIN_WECHAT_API_BASE", default="https://api.weixin.qq.com")
NUANXIN_WECHAT_APP_ID = env("NUANXIN_WECHAT_APP_ID", default="")
NUANXIN_WECHAT_APP_SECRET = env("NUANXIN_WECHAT_APP_SECRET", default="")
# The request header that carries the client's address behind a trusted reverse proxy, as a META
# key (e.g. "HTTP_X_REAL_IP"); empty means REMOTE_ADDR. Used by the sign-in rate limits.
NUANXIN_CLIENT_IP_HEADER = env("NUANXIN_CLIENT_IP_HEADER", default="")
# Placing an address text (Open311 address_string) on the map: "gazetteer" (offline, the area tree
# and street boundaries) or "amap" (AMap's geocoding Web Service; needs a key). docs/reports.md.
NUANXIN_GEOCODER = env("NUANXIN_GEOCODER", default="gazetteer")
NUANXIN_GEOCODER_AMAP = {
    "key": env("NUANXIN_GEOCODER_AMAP_KEY", default=""),
    "base_url": env("NUANXIN_GEOCODER_AMAP_URL", default="https://restapi.amap.com/v3/geocode/geo"),
    "timeout": env.float("NUANXIN_GEOCODER_AMAP_TIMEOUT", default=5.0),
}

# The finder index INCLUDEs the columns its search reads (an index-only scan on PostgreSQL);
# SQLite ignores INCLUDE, which is fine there (docs/finder.md).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
