"""Production refuses to start without its secrets (cookiecutter-django's rule)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _import_production(extra_env):
    env = {
        key: value for key, value in os.environ.items() if key not in {"DJANGO_SECRET_KEY", "DATABASE_URL"}
    }
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_a_missing_secret_key():
    result = _import_production(
        {"DATABASE_URL": "sqlite:////tmp/x.sqlite3", "DJANGO_ALLOWED_HOSTS": "a.example"}
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_a_missing_database_url():
    result = _import_production({"DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "a.example"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_production_refuses_missing_personal_data_keys():
    result = _import_production(
        {
            "DJANGO_SECRET_KEY": "x" * 50,
            "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
            "DJANGO_ALLOWED_HOSTS": "a",
        }
    )
    assert result.returncode != 0
    assert "NUANXIN_FIELD_ENCRYPTION_KEYS" in result.stderr


def test_production_starts_with_its_secrets():
    result = _import_production(
        {
            "DJANGO_SECRET_KEY": "k" * 50,
            "DATABASE_URL": "sqlite:////tmp/nuanxin-prod-check.sqlite3",
            "NUANXIN_FIELD_ENCRYPTION_KEYS": "field-key-one",
            "NUANXIN_LOOKUP_HASH_KEY": "hash-key",
            "NUANXIN_SMS_BACKEND": "nuanxin.messaging.sms.AliyunSmsBackend",
            "DJANGO_ALLOWED_HOSTS": "a.example",
        }
    )
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_console_sms_backend():
    # The console backend logs sign-in codes: anyone reading the log could sign in as a courier.
    result = _import_production(
        {
            "DJANGO_SECRET_KEY": "k" * 50,
            "DATABASE_URL": "sqlite:////tmp/nuanxin-prod-check.sqlite3",
            "NUANXIN_FIELD_ENCRYPTION_KEYS": "field-key-one",
            "NUANXIN_LOOKUP_HASH_KEY": "hash-key",
            "NUANXIN_SMS_BACKEND": "nuanxin.messaging.sms.ConsoleSmsBackend",
            "DJANGO_ALLOWED_HOSTS": "a.example",
        }
    )
    assert result.returncode != 0
    assert "NUANXIN_SMS_BACKEND" in result.stderr
