import os
import subprocess
import sys

from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from gongxiao.core.models import User


def test_passwords_are_hashed_with_argon2(county):
    assert identify_hasher(User.objects.get(username="clerk_a").password).algorithm == "argon2"


def test_login_is_locked_after_repeated_failures(county, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "clerk_a", "password": "wrong"})
    response = client.post("/login/", {"username": "clerk_a", "password": "Passw0rd!gx"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_works_with_the_right_password(county):
    client = Client()
    response = client.post("/login/", {"username": "clerk_a", "password": "Passw0rd!gx"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(county.clerk_a.pk)


def test_forms_need_csrf(county):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.clerk_a)
    assert client.post("/members/new/", {"name": "x"}).status_code == 403


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SECURE": "true",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "production-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "gongxiao.example.org",
        "GONGXIAO_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "gongxiao.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_setting_fails_loudly(tmp_path):
    env = {**os.environ, "DEBUG": "maybe", "GONGXIAO_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "gongxiao.cli", "check"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
