"""The catalogue of replies the core itself composes, per locale."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DEFAULT_LOCALE = "zh"


class Texts:
    def __init__(self, catalogue: Mapping[str, Mapping[str, str]], timezone: ZoneInfo) -> None:
        missing = set(catalogue[DEFAULT_LOCALE]) ^ set(catalogue.get("en", {}))
        if missing:
            raise ValueError(f"messages differ between locales: {sorted(missing)}")
        self.catalogue = catalogue
        self.timezone = timezone

    @classmethod
    def from_yaml(cls, path: Path, timezone: ZoneInfo) -> Texts:
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle), timezone)

    def get(self, locale: str | None, key: str, **values: object) -> str:
        table = self.catalogue.get(locale or DEFAULT_LOCALE) or self.catalogue[DEFAULT_LOCALE]
        return table[key].format(**{k: self._show(v) for k, v in values.items()})

    def status_name(self, locale: str | None, status: str) -> str:
        return self.get(locale, f"status_{status}")

    def _show(self, value: object) -> object:
        if isinstance(value, datetime):
            return value.astimezone(self.timezone).strftime("%Y-%m-%d %H:%M")
        return value
