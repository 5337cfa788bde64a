"""The admin account, its project and the project's keys, made in the server by its own Django.

No API exists for accounts, projects or keys, and new API keys are stored as an HMAC with the
server's SECRET_KEY, so this runs fixed code through `<cmd> shell -v 0 -c CODE`. CODE uses only
upstream's own names (django.contrib.auth's User; hc.accounts.models' Profile, Project and its
`set_api_key()`, `set_api_key_readonly()`, `set_ping_key()`, `compare_api_key()`, v3.11+), in
one transaction: it runs unchanged on a real Healthchecks and on the test stand-in.

A key is kept when the stored one still belongs to the project; otherwise (or when asked to)
a new one is made. New keys can be read only now, so they come back in the answer once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hcctl._django_shell import DjangoShell, scrub_secrets
from hcctl.errors import BootstrapError

__all__ = ["CODE", "KEY_NAMES", "MARKER", "Provisioned", "provision"]

MARKER = "HCCTL-BOOTSTRAP-ANSWER:"

# The project's keys by the variable that holds them in .env.healthchecks.local.
KEY_NAMES = {
    "HC_API_KEY": "api_key",
    "HC_API_KEY_READONLY": "api_key_readonly",
    "HC_PING_KEY": "ping_key",
}

# Runs inside the server. Data: {"email", "password", "project", "keys": {api_key,
# api_key_readonly, ping_key: stored value or ""}, "replace": [names]}. Answers {"result":
# "ok" | "not-healthchecks" | "too-old" | "error", ...}. The password is used only when the
# user is created here.
CODE = """
import json, sys, uuid

from django.db import transaction


def _hcctl_key_kept(project, name, stored, replace):
    if not stored or name in replace:
        return False
    if name == "ping_key":
        return project.ping_key == stored
    prefix = "hcw_" if name == "api_key" else "hcr_"
    return stored.startswith(prefix) and project.compare_api_key(stored)


def _hcctl_provision(data):
    try:
        from hc.accounts.models import Profile, Project
    except ImportError as exc:
        return {"result": "not-healthchecks", "detail": str(exc)}
    from django.contrib.auth.models import User

    if not hasattr(Project, "set_api_key_readonly"):
        return {"result": "too-old"}
    answer = {"result": "ok", "user_created": False, "project_created": False, "keys": {}}
    with transaction.atomic():
        user = User.objects.filter(email=data["email"]).order_by("id").first()
        if user is None:
            user = User(username=str(uuid.uuid4())[:30], email=data["email"])
            user.is_staff = user.is_superuser = True
            user.set_password(data["password"])
            user.save()
            answer["user_created"] = True
        Profile.objects.for_user(user)
        project = Project.objects.filter(owner=user, name=data["project"]).order_by("id").first()
        if project is None:
            project = Project(owner=user, name=data["project"])
            project.code = project.badge_key = str(uuid.uuid4())
            answer["project_created"] = True
        makers = {
            "api_key": project.set_api_key,
            "api_key_readonly": project.set_api_key_readonly,
            "ping_key": project.set_ping_key,
        }
        for name, make in makers.items():
            if not _hcctl_key_kept(project, name, data["keys"].get(name), data["replace"]):
                answer["keys"][name] = make()
        project.save()
        answer["project_code"] = str(project.code)
    return answer


try:
    _hcctl_answer = _hcctl_provision(json.load(sys.stdin))
except Exception as exc:
    _hcctl_answer = {"result": "error", "detail": "%s: %s" % (type(exc).__name__, exc)}
print()
print("MARKER" + json.dumps(_hcctl_answer), flush=True)
""".replace("MARKER", MARKER)


@dataclass(frozen=True, repr=False)
class Provisioned:
    """What the server has now; `new_keys` (variable -> key) holds secrets: repr hides them."""

    project_code: str
    user_created: bool
    project_created: bool
    new_keys: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Provisioned(project_code={self.project_code!r}, user_created={self.user_created},"
            f" project_created={self.project_created}, new_keys={sorted(self.new_keys)})"
        )


def provision(
    shell: DjangoShell,
    *,
    email: str,
    project: str,
    password: str,
    stored: dict[str, str],
    replace: frozenset[str] = frozenset(),
) -> Provisioned:
    """Make sure the admin `email`, its `project` and the project's three keys exist.

    `stored` maps variables (HC_API_KEY...) to the keys kept so far; those in `replace` are
    replaced even if the database still knows them. Raises BootstrapError; nothing changes then.
    """
    keys = {KEY_NAMES[name]: value for name, value in stored.items() if name in KEY_NAMES}
    data = {
        "email": email,
        "password": password,
        "project": project,
        "keys": keys,
        "replace": sorted(KEY_NAMES[name] for name in replace),
    }
    secrets = [password, *keys.values()]
    answer = shell.run(CODE, MARKER, data, secrets=secrets)
    _check(shell, answer, secrets)
    by_field = {field_name: name for name, field_name in KEY_NAMES.items()}
    return Provisioned(
        project_code=str(answer.get("project_code", "")),
        user_created=bool(answer.get("user_created")),
        project_created=bool(answer.get("project_created")),
        new_keys={by_field[f]: str(key) for f, key in dict(answer.get("keys", {})).items()},
    )


def _check(shell: DjangoShell, answer: dict[str, Any], secrets: list[str]) -> None:
    result, detail = answer.get("result"), str(answer.get("detail", ""))
    detail = scrub_secrets(detail, secrets)
    if result == "ok":
        return
    if result == "not-healthchecks":
        raise BootstrapError(f"{shell.where} does not run a Healthchecks server: {detail}")
    if result == "too-old":
        raise BootstrapError(
            f"the server reached by {shell.where} is older than Healthchecks v3.11"
            " (no hashed API keys); upgrade it, or create the keys in its web interface"
        )
    raise BootstrapError(f"{shell.where} failed in the server: {detail or result}")
