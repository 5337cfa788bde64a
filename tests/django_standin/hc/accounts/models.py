"""The part of Healthchecks' `hc.accounts.models` that bootstrap uses, with upstream's names.

`Project` lives in the local server's own table `accounts_project` (so it is not migrated here);
`Profile` and `Member` are the stand-in's own tables (`manage.py migrate --run-syncdb`).
API keys are stored as upstream v3.11+ stores them: the key's first 8 random characters, a dot,
then the hex HMAC-SHA256 of the whole key with SECRET_KEY. Ping keys are stored in plain text.
"""

from __future__ import annotations

import hmac
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models


def _random_part(nbytes: int) -> str:
    """Url-safe random text without '-' or '_' (the server's keys have neither)."""
    while True:
        text = secrets.token_urlsafe(nbytes)
        if "-" not in text and "_" not in text:
            return text


def _digest(key: str) -> str:
    return hmac.digest(settings.SECRET_KEY.encode(), key.encode(), "sha256").hex()


class ProfileManager(models.Manager["Profile"]):
    def for_user(self, user: User) -> Profile:
        """The user's profile, made on first use with a self-hosted server's high limits."""
        profile: Profile | None = self.filter(user=user).first()
        if profile is None:
            profile = Profile(user=user)
            if not settings.USE_PAYMENTS:
                profile.check_limit = 10_000
            profile.save()
        return profile


class Profile(models.Model):
    user = models.OneToOneField(User, models.CASCADE)
    check_limit = models.IntegerField(default=20)

    objects = ProfileManager()


class Project(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=200, blank=True)
    # The local server's own projects have owners that are no user here.
    owner = models.ForeignKey(User, models.DO_NOTHING, db_constraint=False)
    api_key = models.CharField(max_length=128, blank=True)
    api_key_readonly = models.CharField(max_length=128, blank=True)
    badge_key = models.CharField(max_length=150, unique=True)
    ping_key = models.CharField(max_length=128, blank=True, null=True, unique=True)
    show_slugs = models.BooleanField(default=False)

    class Meta:
        db_table = "accounts_project"
        managed = False

    def _new_api_key(self, prefix: str) -> tuple[str, str]:
        secret = _random_part(21)
        key = prefix + secret
        return key, secret[:8] + "." + _digest(key)

    def set_api_key(self) -> str:
        key, self.api_key = self._new_api_key("hcw_")
        return key

    def set_api_key_readonly(self) -> str:
        key, self.api_key_readonly = self._new_api_key("hcr_")
        return key

    def set_ping_key(self) -> str:
        key = _random_part(16).lower()
        self.ping_key = key
        return key

    def compare_api_key(self, key: str) -> bool:
        stored = self.api_key_readonly if key.startswith("hcr_") else self.api_key
        if "." not in stored:
            return False
        return hmac.compare_digest(stored.split(".", 1)[1], _digest(key))


class Member(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, models.DO_NOTHING, db_constraint=False)
    role = models.CharField(max_length=1, default="w")
