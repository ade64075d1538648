"""Staff of the agent console: accounts with argon2 password hashes and roles, server-side sessions
with an idle timeout, and the canned responses admins keep for agents."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from intake_core.access import ROLES
from intake_core.errors import LoginLocked, ValidationFailed
from intake_core.ports import Clock
from intake_core.storage.database import Database
from intake_core.storage.staff_repository import StaffRepository

log = logging.getLogger(__name__)

LOCALES = ("zh", "en")


@dataclass(frozen=True, slots=True)
class StaffUser:
    username: str
    display_name: str
    roles: frozenset[str]
    department: str | None
    active: bool = True

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    user: StaffUser
    csrf_token: str
    locale: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CannedResponse:
    id: int
    title: str
    text_zh: str
    text_en: str
    active: bool

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_zh


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int = 5  # failed logins for one user name within `window` that lock it
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)  # a session ends after this even while in use


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _user(row: Any) -> StaffUser:
    return StaffUser(row.username, row.display_name, frozenset(filter(None, row.roles.split(","))),
                     row.department, bool(row.active))


def _roles(roles: Iterable[str]) -> str:
    chosen = set(roles)
    if not chosen or chosen - ROLES:
        raise ValidationFailed(f"roles must be some of {', '.join(sorted(ROLES))}", field="roles")
    return ",".join(sorted(chosen))


class StaffDirectory:
    def __init__(self, database: Database, clock: Clock, policy: SessionPolicy | None = None,
                 hasher: PasswordHasher | None = None, login_policy: LoginPolicy | None = None) -> None:
        self.database = database
        self.clock = clock
        self.policy = policy or SessionPolicy()
        self.login_policy = login_policy or LoginPolicy()
        self.hasher = hasher or PasswordHasher()
        # Verifying against this when the user is unknown keeps both answers equally slow.
        self._dummy_hash = self.hasher.hash(secrets.token_hex(16))

    # -- accounts ------------------------------------------------------------------------------
    async def add_user(self, username: str, password: str, roles: Iterable[str], department: str | None = None,
                       display_name: str | None = None) -> StaffUser:
        username = username.strip()
        if not username or len(username) > 128 or not username.isprintable():
            raise ValidationFailed("a user name has 1 to 128 printable characters", field="username")
        if len(password) < 8:
            raise ValidationFailed("a password has at least 8 characters", field="password")
        role_text = _roles(roles)
        hashed = await asyncio.to_thread(self.hasher.hash, password)  # argon2 is slow on purpose
        now = self.clock.now()
        try:
            async with self.database.unit_of_work() as repo:
                await StaffRepository(repo.connection).add_user({
                    "username": username, "display_name": display_name or username, "password_hash": hashed,
                    "roles": role_text, "department": department or None, "active": True,
                    "created_at": now, "updated_at": now})
        except IntegrityError:
            raise ValidationFailed("this user name is taken", field="username") from None
        return StaffUser(username, display_name or username, frozenset(role_text.split(",")), department or None)

    async def users(self) -> list[StaffUser]:
        async with self.database.unit_of_work() as repo:
            return [_user(row) for row in await StaffRepository(repo.connection).users()]

    async def user(self, username: str) -> StaffUser | None:
        async with self.database.unit_of_work() as repo:
            row = await StaffRepository(repo.connection).user(username)
        return _user(row) if row else None

    async def update_user(self, username: str, roles: Iterable[str], department: str | None, active: bool) -> None:
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            if not await staff.update_user(username, roles=_roles(roles), department=department or None,
                                           active=active, updated_at=self.clock.now()):
                raise ValidationFailed("no such user", field="username")
            await staff.delete_sessions_of(username)  # new rights take effect at the next login

    async def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The user, or None for a wrong name or password. Raises LoginLocked after too many failures
        for this name (known or not, so the lockout tells nothing about which names exist)."""
        name_digest = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            failures = await staff.login_failures(name_digest)
            row = await staff.user(username) if len(username) <= 128 else None
        now = self.clock.now()
        if failures is not None and failures.locked_until is not None and failures.locked_until > now:
            raise LoginLocked(failures.locked_until)
        stored = row.password_hash if row is not None and row.active else self._dummy_hash
        try:
            await asyncio.to_thread(self.hasher.verify, stored, password)
        except (VerificationError, InvalidHashError):
            await self._count_failure(name_digest)
            return None
        if row is None or not row.active:
            await self._count_failure(name_digest)
            return None
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            if failures is not None:
                await staff.clear_login_failures(name_digest)
            if self.hasher.check_needs_rehash(stored):
                rehashed = await asyncio.to_thread(self.hasher.hash, password)
                await staff.update_user(username, password_hash=rehashed)
        return _user(row)

    async def _count_failure(self, name_digest: str) -> None:
        policy, now = self.login_policy, self.clock.now()
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            await staff.start_login_failures(name_digest, now)
            row = await staff.login_failures(name_digest, lock=True)
            assert row is not None
            if now - row.first_failed_at > policy.window:  # an old streak: this failure starts a new one
                await staff.set_login_failures(name_digest, failures=1, first_failed_at=now, locked_until=None)
                return
            failures = row.failures + 1
            locked_until = now + policy.lockout if failures >= policy.max_failures else None
            await staff.set_login_failures(name_digest, failures=failures, locked_until=locked_until)
        if locked_until is not None:
            log.warning("console logins for one user name locked after repeated failures",
                        extra={"name_digest": name_digest[:12], "minutes": int(policy.lockout.total_seconds() // 60)})

    # -- sessions ------------------------------------------------------------------------------
    async def open_session(self, user: StaffUser, locale: str = "zh") -> tuple[str, ConsoleSession]:
        """A new session; the returned id goes into the cookie and is stored only as its SHA-256."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = ConsoleSession(user, secrets.token_urlsafe(32), locale if locale in LOCALES else "zh",
                                 now + self.policy.lifetime)
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            await staff.delete_stale_sessions(now - self.policy.idle_timeout, now)
            await staff.add_session({"id_digest": session_digest(session_id), "username": user.username,
                                     "csrf_token": session.csrf_token, "locale": session.locale, "created_at": now,
                                     "last_seen_at": now, "expires_at": session.expires_at})
        return session_id, session

    async def session(self, session_id: str) -> ConsoleSession | None:
        """The live session with this id, its idle clock restarted; None when unknown, idle or expired."""
        if not session_id or len(session_id) > 128:
            return None
        digest, now = session_digest(session_id), self.clock.now()
        async with self.database.unit_of_work() as repo:
            staff = StaffRepository(repo.connection)
            row = await staff.session(digest)
            if row is None:
                return None
            if row.last_seen_at < now - self.policy.idle_timeout or row.expires_at <= now:
                await staff.delete_session(digest)
                return None
            user = await staff.user(row.username)
            if user is None or not user.active:
                await staff.delete_session(digest)
                return None
            await staff.touch_session(digest, now)
        return ConsoleSession(_user(user), row.csrf_token, row.locale, row.expires_at)

    async def set_locale(self, session_id: str, locale: str) -> None:
        if locale not in LOCALES:
            raise ValidationFailed("the console speaks zh and en", field="locale")
        async with self.database.unit_of_work() as repo:
            await StaffRepository(repo.connection).touch_session(session_digest(session_id), self.clock.now(),
                                                                 locale=locale)

    async def close_session(self, session_id: str) -> None:
        async with self.database.unit_of_work() as repo:
            await StaffRepository(repo.connection).delete_session(session_digest(session_id))

    # -- canned responses ----------------------------------------------------------------------
    async def add_canned(self, title: str, text_zh: str, text_en: str, author: str) -> int:
        if not (title.strip() and text_zh.strip() and text_en.strip()):
            raise ValidationFailed("a canned response needs a title and both texts", field="title")
        async with self.database.unit_of_work() as repo:
            return await StaffRepository(repo.connection).add_canned({
                "title": title.strip()[:128], "text_zh": text_zh.strip(), "text_en": text_en.strip(),
                "active": True, "created_by": author, "created_at": self.clock.now()})

    async def canned(self, active_only: bool = True) -> list[CannedResponse]:
        async with self.database.unit_of_work() as repo:
            rows = await StaffRepository(repo.connection).canned(active_only)
        return [CannedResponse(r.id, r.title, r.text_zh, r.text_en, bool(r.active)) for r in rows]

    async def set_canned_active(self, canned_id: int, active: bool) -> None:
        async with self.database.unit_of_work() as repo:
            if not await StaffRepository(repo.connection).set_canned_active(canned_id, active):
                raise ValidationFailed("no such canned response", field="canned")
