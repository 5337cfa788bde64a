"""The part of Healthchecks' `hc.api.models` that pinning touches."""

from __future__ import annotations

import uuid

from django.db import models


class Check(models.Model):
    """A check row of the server's own table; the server made it, so Django must not migrate it."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        db_table = "api_check"
        managed = False
