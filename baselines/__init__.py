"""The baseline models, found by name.

Each module in this package defines one model class and registers it with
``@register("name")``; adding a baseline means adding one file.  Modules are
imported on the first lookup, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable

_REGISTRY: dict[str, type] = {}
_discovered = False


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make a model class available as ``name``."""

    def decorate(cls: type) -> type:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"baseline name {name!r} is registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    _discovered = True


def names() -> list[str]:
    """Registered baseline names, sorted: the order does not depend on which
    module happened to be imported first."""
    _discover()
    return sorted(_REGISTRY)


def get(name: str, **options: Any):
    """A new instance of the baseline registered as ``name``."""
    _discover()
    if name not in _REGISTRY:
        raise KeyError(f"unknown baseline {name!r}; known: {', '.join(_REGISTRY)}")
    return _REGISTRY[name](**options)
