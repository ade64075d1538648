"""The organisation's departments and the external bodies cases are transferred to (移送)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from intake_core.errors import ValidationFailed
from intake_core.storage.database import Database
from intake_core.storage.handling_repository import HandlingRepository

_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name_zh: str
    name_en: str
    external: bool
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class Departments:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, code: str, name_zh: str, name_en: str, external: bool = False) -> Department:
        if not _CODE.match(code):
            raise ValidationFailed("a department code has 1 to 64 letters, digits, '.', '_' or '-'", field="code")
        if not name_zh.strip() or not name_en.strip():
            raise ValidationFailed("a department needs a Chinese and an English name", field="name")
        department = Department(code, name_zh.strip()[:256], name_en.strip()[:256], external, True)
        try:
            async with self.database.unit_of_work() as repo:
                await HandlingRepository(repo.connection).add_department({
                    "code": code, "name_zh": department.name_zh, "name_en": department.name_en,
                    "external": external, "active": True})
        except IntegrityError:
            raise ValidationFailed("this department code exists", field="code") from None
        return department

    async def all(self, include_inactive: bool = False) -> list[Department]:
        async with self.database.unit_of_work() as repo:
            rows = await HandlingRepository(repo.connection).departments(include_inactive)
        return [Department(r.code, r.name_zh, r.name_en, bool(r.external), bool(r.active)) for r in rows]

    async def set_active(self, code: str, active: bool) -> None:
        async with self.database.unit_of_work() as repo:
            if not await HandlingRepository(repo.connection).set_department_active(code, active):
                raise ValidationFailed("no such department", field="code")
