"""One way for a domain to declare its indicators: what its indicators share, once; then each indicator by what
sets it apart. What every field means is documented on `Indicator` (registry.py)."""

from __future__ import annotations

from typing import Any, Protocol

from apps.indicators.registry import Indicator


class IndicatorMaker(Protocol):
    def __call__(self, code: str, name_zh: str, name_en: str, **fields: Any) -> Indicator: ...


def indicator_maker(**shared: Any) -> IndicatorMaker:
    """A function that makes an indicator from its code ("<domain>.<name>", the domain taken from it), its Chinese
    and English names and its own fields, over the `shared` ones (a field in both: the indicator's wins)."""

    def make(code: str, name_zh: str, name_en: str, **fields: Any) -> Indicator:
        domain = code.split(".", 1)[0]
        return Indicator(code=code, domain=domain, name_zh=name_zh, name_en=name_en, **{**shared, **fields})

    return make
