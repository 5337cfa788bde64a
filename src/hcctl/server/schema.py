"""SQLite storage with the real server's table and column names, types and formats.

Only what the local server implements is here. Formats follow Django on SQLite, so SQL written
for the real server (pinning a UUID through `UPDATE api_check SET code=...`) works unchanged:
UUIDs are char(32) lowercase hex, durations bigint microseconds, datetimes UTC text
"YYYY-MM-DD HH:MM:SS[.ffffff]", booleans 0/1.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["connect", "create_schema"]

# Django's DDL for these models on SQLite (column names and types), minus what we never use.
_DDL = """
CREATE TABLE IF NOT EXISTS "accounts_project" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "code" char(32) NOT NULL UNIQUE,
    "name" varchar(200) NOT NULL,
    "owner_id" integer NOT NULL,
    "api_key" varchar(128) NOT NULL,
    "api_key_readonly" varchar(128) NOT NULL,
    "badge_key" varchar(150) NOT NULL UNIQUE,
    "ping_key" varchar(128) NULL UNIQUE,
    "show_slugs" bool NOT NULL
);
CREATE INDEX IF NOT EXISTS "accounts_project_api_key" ON "accounts_project" ("api_key");
CREATE INDEX IF NOT EXISTS "accounts_project_api_key_readonly"
    ON "accounts_project" ("api_key_readonly");
CREATE TABLE IF NOT EXISTS "api_check" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" varchar(100) NOT NULL,
    "code" char(32) NOT NULL UNIQUE,
    "created" datetime NOT NULL,
    "timeout" bigint NOT NULL,
    "grace" bigint NOT NULL,
    "n_pings" integer NOT NULL,
    "last_ping" datetime NULL,
    "alert_after" datetime NULL,
    "status" varchar(6) NOT NULL,
    "project_id" bigint NOT NULL REFERENCES "accounts_project" ("id"),
    "tags" varchar(500) NOT NULL,
    "desc" text NOT NULL,
    "schedule" varchar(100) NOT NULL,
    "tz" varchar(36) NOT NULL,
    "kind" varchar(10) NOT NULL,
    "last_start" datetime NULL,
    "has_confirmation_link" bool NOT NULL,
    "manual_resume" bool NOT NULL,
    "methods" varchar(30) NOT NULL,
    "last_duration" bigint NULL,
    "slug" varchar(100) NOT NULL,
    "badge_key" char(32) NOT NULL UNIQUE,
    "last_start_rid" char(32) NULL,
    "failure_kw" varchar(200) NOT NULL,
    "filter_body" bool NOT NULL,
    "filter_subject" bool NOT NULL,
    "start_kw" varchar(200) NOT NULL,
    "success_kw" varchar(200) NOT NULL,
    "filter_default_fail" bool NOT NULL,
    "filter_http_body" bool NOT NULL
);
CREATE INDEX IF NOT EXISTS "api_check_project_slug" ON "api_check" ("project_id", "slug");
CREATE TABLE IF NOT EXISTS "api_ping" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "created" datetime NOT NULL,
    "scheme" varchar(10) NOT NULL,
    "remote_addr" char(39) NULL,
    "method" varchar(10) NOT NULL,
    "ua" varchar(200) NOT NULL,
    "owner_id" bigint NOT NULL REFERENCES "api_check" ("id"),
    "n" integer NULL,
    "kind" varchar(6) NULL,
    "body_raw" BLOB NULL,
    "object_size" integer NULL,
    "exitstatus" smallint NULL,
    "rid" char(32) NULL
);
CREATE INDEX IF NOT EXISTS "api_ping_owner_id" ON "api_ping" ("owner_id");
CREATE TABLE IF NOT EXISTS "api_flip" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "created" datetime NOT NULL,
    "processed" datetime NULL,
    "old_status" varchar(8) NOT NULL,
    "new_status" varchar(8) NOT NULL,
    "owner_id" bigint NOT NULL REFERENCES "api_check" ("id"),
    "reason" varchar(8) NOT NULL
);
CREATE INDEX IF NOT EXISTS "api_flip_owner_created" ON "api_flip" ("owner_id", "created");
CREATE TABLE IF NOT EXISTS "api_channel" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" varchar(100) NOT NULL,
    "code" char(32) NOT NULL UNIQUE,
    "created" datetime NOT NULL,
    "kind" varchar(20) NOT NULL,
    "value" text NOT NULL,
    "email_verified" bool NOT NULL,
    "project_id" bigint NOT NULL REFERENCES "accounts_project" ("id"),
    "last_error" varchar(200) NOT NULL,
    "last_notify" datetime NULL,
    "disabled" bool NOT NULL,
    "last_notify_duration" bigint NULL
);
CREATE TABLE IF NOT EXISTS "api_channel_checks" (
    "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
    "channel_id" bigint NOT NULL REFERENCES "api_channel" ("id"),
    "check_id" bigint NOT NULL REFERENCES "api_check" ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "api_channel_checks_channel_id_check_id_uniq"
    ON "api_channel_checks" ("channel_id", "check_id");
CREATE INDEX IF NOT EXISTS "api_channel_checks_check_id" ON "api_channel_checks" ("check_id");
CREATE TABLE IF NOT EXISTS "hcctl_server_setting" (
    "name" varchar(50) NOT NULL PRIMARY KEY,
    "value" text NOT NULL
);
"""

# Concurrent writers wait this long for the lock instead of failing at once.
BUSY_TIMEOUT_MS = 30_000


def connect(path: Path | str) -> sqlite3.Connection:
    """One connection (per thread): autocommit mode, explicit BEGIN IMMEDIATE for writes."""
    conn = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create_schema(path: Path | str) -> None:
    """Create the tables if missing and switch the database to WAL (a persistent setting)."""
    conn = connect(path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_DDL)
    finally:
        conn.close()
