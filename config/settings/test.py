"""Settings for the test suite: fast hashing, in-memory media, inline tasks."""

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
NUANXIN_DEMO = False
ALLOWED_HOSTS = ["*"]
SECRET_KEY = "test-only-secret-key"  # noqa: S105 - test settings only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="nuanxin-test-media-")
NUANXIN_TASK_BACKEND = "inline"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = env("NUANXIN_TEST_LANGUAGE", default="zh-hans")
