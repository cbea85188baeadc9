"""Annotation formats: reading annotators' files into gold documents and
writing gold documents out for annotation.

``common`` holds the rules every format shares (which labels mean what,
quote spans and types, grouping speaker mentions into entities); each other
module is one format and defines ``FORMAT = AnnotationFormat(...)``.
:data:`FORMAT_MODULES` lists them, and ``quotebench gold import/export``
take their choices, options and dispatch from :func:`formats`: a new format
is one module plus its name here.  Format modules import only the standard
library and ``benchmark`` at their top (the command line imports them to
build its parser); heavier libraries go inside ``read``/``write``.

A format's ``read(path, *, out, types, **options)`` returns an
:class:`~benchmark.annotation.common.ImportResult` (documents, notes) and
raises :class:`~benchmark.errors.InputError`/``InputErrors`` on bad input,
writing nothing; ``out`` is the gold file that will be written (sources are
made relative to it), ``types`` a :class:`~benchmark.annotation.common.LabelTypes`.
A format whose ``--out`` may be a folder of several gold files (PolNeAR's
``--annotator each``) says so in ``writes_folder`` and then returns an
:class:`~benchmark.annotation.common.ImportedFiles`.
Its ``write(documents, out_dir, *, force=False, **options)`` returns notes
about what the format cannot express.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from benchmark.options import Option

__all__ = ["FORMAT_MODULES", "AnnotationFormat", "Option", "formats"]

FORMAT_MODULES = ("brat", "labelstudio", "pdnc", "polnear", "litbank")


@dataclass(frozen=True)
class AnnotationFormat:
    name: str
    help: str
    read: Callable[..., Any]
    write: Callable[..., list[str]] | None = None
    import_options: tuple[Option, ...] = ()
    export_options: tuple[Option, ...] = ()
    # Given the import options, whether ``--out`` names a folder of gold files
    # (``read`` then returns an ImportedFiles) rather than one gold file.
    writes_folder: Callable[[dict[str, Any]], bool] | None = None

    def out_is_folder(self, options: dict[str, Any]) -> bool:
        return self.writes_folder is not None and self.writes_folder(options)


_formats: dict[str, AnnotationFormat] | None = None


def formats() -> dict[str, AnnotationFormat]:
    """The registry, ``name -> AnnotationFormat``, in FORMAT_MODULES order
    (modules are imported on the first call)."""
    global _formats
    if _formats is None:
        found: dict[str, AnnotationFormat] = {}
        for module_name in FORMAT_MODULES:
            fmt = importlib.import_module(f"{__name__}.{module_name}").FORMAT
            if fmt.name in found:
                raise ValueError(f"annotation format {fmt.name!r} is defined twice")
            found[fmt.name] = fmt
        _formats = found
    return _formats


def __getattr__(name: str) -> Any:
    # FORMATS is built on first use, so that importing a format's rules
    # (benchmark.annotation.common) does not import every format.
    if name == "FORMATS":
        return formats()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
