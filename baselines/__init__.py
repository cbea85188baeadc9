"""The baseline models, found by name.

Each module in this package defines one model class and registers it with
``@register("name")``; adding a baseline means adding one file.  A baseline
declares there what the command line needs to know about it: its options
(``options``: :class:`benchmark.options.Option`, whose ``dest`` is the
constructor's keyword; ``quotebench baselines`` offers the flags), the
option without which it does not run (``enabled_by``, e.g. the llm's
endpoint), and the optional module it needs (``requires``, with the install
command).  Modules are imported on the first lookup, so importing this
package stays cheap; they import only light modules at their top (the
command line imports them to build its parser).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from benchmark.options import Option

__all__ = ["Option", "Registration", "get", "names", "option_values", "register", "registration", "unavailable"]


@dataclass(frozen=True)
class Registration:
    name: str
    cls: type
    options: tuple[Option, ...] = ()
    enabled_by: str | None = None  # the dest of the option that must be given for the baseline to run
    requires: tuple[str, str] | None = None  # (module, how to install it)


_REGISTRY: dict[str, Registration] = {}
_discovered = False


def register(
    name: str, *, options: tuple[Option, ...] = (), enabled_by: str | None = None, requires: tuple[str, str] | None = None
) -> Callable[[type], type]:
    """Class decorator: make a model class available as ``name``, with the
    command-line options its constructor takes (see the module docstring)."""
    if enabled_by is not None and enabled_by not in {o.dest for o in options}:
        raise ValueError(f"baseline {name!r}: enabled_by={enabled_by!r} is not one of its options")

    def decorate(cls: type) -> type:
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise ValueError(f"baseline name {name!r} is registered twice")
        cls.name = name
        _REGISTRY[name] = Registration(name, cls, tuple(options), enabled_by, requires)
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


def registration(name: str) -> Registration:
    _discover()
    if name not in _REGISTRY:
        raise KeyError(f"unknown baseline {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def option_values(name: str, given: dict[str, Any]) -> dict[str, Any]:
    """The constructor keywords of baseline ``name`` from command-line
    values keyed by flag attribute (``Option.cli_dest``); absent ones keep
    the option's default."""
    return {o.dest: given.get(o.cli_dest, o.default) for o in registration(name).options}


def unavailable(name: str, options: dict[str, Any]) -> str | None:
    """Why baseline ``name`` cannot run with these constructor keywords
    here (its enabling option is not given, or its optional module is not
    installed), or None."""
    reg = registration(name)
    if reg.enabled_by is not None and not options.get(reg.enabled_by):
        flags = [o.flag for o in reg.options if o.dest == reg.enabled_by]
        return f"give {flags[0]} to run it"
    if reg.requires is not None and importlib.util.find_spec(reg.requires[0]) is None:
        return f"{reg.requires[0]} is not installed: {reg.requires[1]}"
    return None


def get(name: str, **options: Any):
    """A new instance of the baseline registered as ``name``."""
    return registration(name).cls(**options)
