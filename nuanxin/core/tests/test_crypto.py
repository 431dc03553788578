import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from nuanxin.core import crypto


def test_encrypt_then_decrypt_gives_the_value_back_and_hides_it():
    token = crypto.encrypt("13800138000")
    assert "13800138000" not in token
    assert crypto.decrypt(token) == "13800138000"


def test_rotation_reencrypts_with_the_newest_key_and_old_key_can_be_dropped():
    with override_settings(NUANXIN_FIELD_ENCRYPTION_KEYS=["old-key"]):
        old_token = crypto.encrypt("110101199003074514")
    with override_settings(NUANXIN_FIELD_ENCRYPTION_KEYS=["new-key", "old-key"]):
        assert crypto.decrypt(old_token) == "110101199003074514"
        new_token = crypto.rotate(old_token)
    with override_settings(NUANXIN_FIELD_ENCRYPTION_KEYS=["new-key"]):
        assert crypto.decrypt(new_token) == "110101199003074514"
        with pytest.raises(ImproperlyConfigured):
            crypto.decrypt(old_token)


def test_lookup_hash_is_keyed_and_stable():
    first = crypto.lookup_hash("13800138000")
    assert first == crypto.lookup_hash("13800138000")
    assert first != crypto.lookup_hash("13800138001")
    with override_settings(NUANXIN_LOOKUP_HASH_KEY="another-key"):
        assert crypto.lookup_hash("13800138000") != first
    assert crypto.lookup_hash("") == ""


def test_masks():
    assert crypto.mask_phone("13800138000") == "138****8000"
    assert crypto.mask_id_number("110101199003074514") == "110***********4514"
    assert crypto.mask_phone("") == ""


def test_a_real_fernet_key_is_used_as_given():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    with override_settings(NUANXIN_FIELD_ENCRYPTION_KEYS=[key]):
        token = crypto.encrypt("x")
    assert Fernet(key.encode()).decrypt(token.encode()) == b"x"
