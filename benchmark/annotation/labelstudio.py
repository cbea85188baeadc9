"""Label Studio JSON exports in and out of the gold set.

An export is a JSON list of tasks: ``{"id", "data": {"text": ...},
"annotations": [{"result": [...], "was_cancelled", "ground_truth"}]}``.  A
result is a region (``"type": "labels"``, ``value.start/end/text/labels``), a
per-region choice or text (same ``id`` as its region), or a relation
(``"type": "relation"``, ``from_id``, ``to_id``).  :func:`read_labelstudio`
turns one annotation per task into tool-neutral regions and attributions; the
rules that make gold documents out of those live in
:mod:`benchmark.annotation.common`.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from benchmark.annotation import AnnotationFormat
from benchmark.annotation.common import (
    QUOTE,
    SPEAKER,
    AnnotatedText,
    ImportResult,
    LabelTypes,
    Region,
    attributions_from_links,
    build_documents,
    carried_cast,
    carried_entity,
    carried_quote,
    check_export_folder,
    choose_source,
    clip,
    quote_record,
    same_surface,
    source_path,
    speaker_anchor,
)
from benchmark.errors import InputError, InputErrors
from benchmark.gold import ENTITY_KINDS, QUOTE_TYPES, Document, Span

TASKS_FILE = "tasks.json"
# The task data field that carries what Label Studio's labels cannot: each
# entity's aliases and each quote's id and attributes, in the gold's order,
# and the document's cast when it has one.
CARRIED_FIELD = "quotebench"
CONFIG_FILE = "labeling_config.xml"
# The per-region text field holding a speaker's entity id (first line) and
# name (second line), so that an exported gold set comes back with its ids.
ENTITY_FIELD = "entity"


# --------------------------------------------------------------------------
# Offsets


def utf16_positions(text: str) -> list[int] | None:
    """Code-point index for each UTF-16 offset into ``text`` (JavaScript
    string offsets, which Label Studio's editor produces), or None when the
    two agree (no character outside the Basic Multilingual Plane)."""
    if all(ord(c) <= 0xFFFF for c in text):
        return None
    positions = []
    for i, c in enumerate(text):
        positions.append(i)
        if ord(c) > 0xFFFF:
            positions.append(i)  # the low surrogate: inside the character
    positions.append(len(text))
    return positions


def utf16_offsets(text: str) -> list[int]:
    """UTF-16 offset of each code-point index (and of the end)."""
    offsets, unit = [], 0
    for c in text:
        offsets.append(unit)
        unit += 2 if ord(c) > 0xFFFF else 1
    offsets.append(unit)
    return offsets


def _region_span(text: str, value: dict, units: list[int] | None) -> tuple[Span | None, str | None]:
    """A region's span in code points: ``value.start/end`` as code points
    when ``text[start:end]`` is ``value.text``, else as UTF-16 units
    converted; or the problem."""
    start, end, stored = value.get("start"), value.get("end"), value.get("text")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        return None, f"value.start and value.end must be integers, got {start!r} and {end!r}"
    if start >= end:
        return None, f"empty or reversed span {start}-{end}"
    if end <= len(text) and (not isinstance(stored, str) or same_surface(text[start:end], stored)):
        return Span(start, end), None
    if units is not None and end < len(units):
        s, e = units[start], units[end]
        if s < e and (not isinstance(stored, str) or same_surface(text[s:e], stored)):
            return Span(s, e), None
    if end > len(text) and (units is None or end >= len(units)):
        return None, f"offsets {start}-{end} run past the end of the text ({len(text)} characters)"
    return None, f"value.text {clip(str(stored))!r} is not at {start}-{end}, which holds {clip(text[start:end])!r}"


# --------------------------------------------------------------------------
# Reading


def _line_at(raw: str, offset: int) -> int:
    return raw.count("\n", 0, offset) + 1


def _task_positions(raw: str, count: int) -> list[tuple[int, int]]:
    """(start, end) character offsets of each task of a JSON list, so that
    messages can give line numbers."""
    decoder = json.JSONDecoder()
    i = raw.index("[") + 1
    spans = []
    for _ in range(count):
        while raw[i] in " \t\r\n,":
            i += 1
        _, end = decoder.raw_decode(raw, i)
        spans.append((i, end))
        i = end
    return spans


def _choose_annotation(task: dict) -> tuple[dict | None, int]:
    """The ground-truth annotation if any (first one), else the first that
    was not cancelled; and how many were usable."""
    annotations = task.get("annotations")
    if annotations is None:
        annotations = task.get("completions")  # exports of Label Studio before 1.0
    usable = [a for a in annotations or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    ground_truth = [a for a in usable if a.get("ground_truth")]
    chosen = ground_truth[0] if ground_truth else usable[0] if usable else None
    return chosen, len(usable)


def read_labelstudio(
    path: str | os.PathLike, *, out: str | os.PathLike, types: LabelTypes = LabelTypes()
) -> ImportResult:
    """Gold documents from a Label Studio JSON export.

    Per task: the ground-truth annotation, else the first not cancelled (a
    task without one is skipped); ``doc_id`` is ``data.doc_id`` or
    ``task_<id>``; the text is ``data.text`` (else the longest string in
    ``data``); ``source`` is ``data.source`` or ``EXPORT#task=<id>``.  Region
    labels are matched against ``types``; relations tie a quote to its speaker
    and cue whatever their direction and label, and tie quote regions
    together as fragments of one quote; a per-region choice of
    direct/indirect/mixed is the quote type, of person/organization/group/other
    the speaker's kind; a per-region text named ``entity`` gives the speaker's
    entity id and, on a second line, its name."""
    export = Path(path)
    if not export.is_file():
        raise InputError(export, 0, "file", "no such file")
    try:
        raw = export.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(export, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        loaded = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(export, exc.lineno, "json", f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if isinstance(loaded, dict) and "data" in loaded:
        tasks, positions = [loaded], [(0, len(raw))]
    elif isinstance(loaded, list):
        tasks, positions = loaded, _task_positions(raw, len(loaded))
    else:
        raise InputError(export, 1, "json", "expected a Label Studio JSON export: a list of tasks")

    errors: list[InputError] = []
    notes: list[str] = []
    items: list[AnnotatedText] = []
    seen_ids: dict[str, int] = {}
    for index, (task, (begin, finish)) in enumerate(zip(tasks, positions)):
        line = _line_at(raw, begin)
        where = f"tasks[{index}]"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            errors.append(InputError(export, line, where, "a task must be an object with a 'data' object"))
            continue
        data = task["data"]
        task_id = task.get("id", index + 1)
        text = data.get("text")
        if not isinstance(text, str):
            strings = [(k, v) for k, v in data.items() if isinstance(v, str)]
            if not strings:
                errors.append(InputError(export, line, f"{where}.data.text", "missing: the task has no text"))
                continue
            key, text = max(strings, key=lambda kv: len(kv[1]))
            notes.append(f"{export}:{line}: task {task_id} has no data.text; used data.{key}")
        doc_id = data.get("doc_id") if isinstance(data.get("doc_id"), str) and data.get("doc_id") else f"task_{task_id}"
        if doc_id in seen_ids:
            errors.append(InputError(export, line, f"{where}.data.doc_id", f"{doc_id!r} is also the id of the task on line {seen_ids[doc_id]}"))
            continue
        seen_ids[doc_id] = line
        annotation, usable = _choose_annotation(task)
        if annotation is None:
            notes.append(f"{export}:{line}: task {task_id} has no annotation that was not cancelled; skipped")
            continue
        if usable > 1:
            how = "ground truth" if annotation.get("ground_truth") else "first not cancelled"
            notes.append(f"{export}:{line}: task {task_id}: used annotation {annotation.get('id', '?')} ({how}) of {usable}")
        carried_source = data.get("source") if isinstance(data.get("source"), str) else None
        source = choose_source(carried_source, None, text, out, f"{source_path(export, out)}#task={task_id}", notes)
        try:
            items.append(
                _annotated_text(export, raw, begin, finish, where, doc_id, source, text, annotation, data.get(CARRIED_FIELD), types, notes)
            )
        except InputErrors as exc:
            errors.extend(exc.errors)
    if errors:
        raise InputErrors(errors)
    return ImportResult(build_documents(items, notes), notes)


def _annotated_text(
    export: Path,
    raw: str,
    begin: int,
    finish: int,
    where: str,
    doc_id: str,
    source: str,
    text: str,
    annotation: dict,
    carried: Any,
    types: LabelTypes,
    notes: list[str],
) -> AnnotatedText:
    def line_of(key: str, value: Any) -> int:
        m = re.compile(rf'"{key}"\s*:\s*{re.escape(json.dumps(value))}').search(raw, begin, finish)
        return _line_at(raw, m.start() if m else begin)

    results = annotation.get("result") or []
    units = utf16_positions(text)
    errors: list[InputError] = []
    regions: dict[str, Region] = {}
    known_ids: set[str] = set()
    per_region: list[dict] = []
    relations: list[dict] = []
    unknown_labels: Counter = Counter()
    other_types: Counter = Counter()
    for i, result in enumerate(results):
        if not isinstance(result, dict):
            continue
        rtype = result.get("type")
        rid = result.get("id")
        if rid is not None:
            known_ids.add(rid)
        if rtype == "relation":
            relations.append(result)
            continue
        if rtype in ("choices", "textarea") and rid is not None:
            per_region.append(result)
            continue
        if rtype != "labels":
            other_types[str(rtype)] += 1
            continue
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        labels = [lab for lab in value.get("labels") or [] if isinstance(lab, str)]
        role = next((r for r in map(types.role_of, labels) if r), None)
        if role is None:
            unknown_labels.update(labels or ["(none)"])
            continue
        span, problem = _region_span(text, value, units)
        if span is None:
            errors.append(InputError(export, line_of("id", rid), f"{where}.result[{i}]", problem))
            continue
        key = rid if rid is not None else f"#{i}"
        if key in regions and regions[key].role == role:
            regions[key].spans.append(span)
        else:
            regions[key] = Region(key, role, [span], f"{export}:{line_of('id', rid)}")

    for result in per_region:
        region = regions.get(result["id"])
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        if region is None:
            continue
        if result.get("type") == "choices":
            for choice in value.get("choices") or []:
                if not isinstance(choice, str):
                    continue
                if region.role == QUOTE and choice.casefold() in QUOTE_TYPES:
                    region.quote_type = choice.casefold()
                elif region.role == SPEAKER and choice.casefold() in ENTITY_KINDS:
                    region.entity_kind = choice.casefold()
        elif result.get("from_name") == ENTITY_FIELD and region.role == SPEAKER:
            entries = value.get("text")
            entries = [entries] if isinstance(entries, str) else entries if isinstance(entries, list) else []
            lines = [piece.strip() for entry in entries if isinstance(entry, str) for piece in entry.split("\n") if piece.strip()]
            if lines:
                region.entity_id = lines[0]
                region.entity_name = lines[1] if len(lines) > 1 else None

    errors.extend(_apply_carried(carried, regions, export, _line_at(raw, begin), where))
    cast = None
    if isinstance(carried, dict) and carried.get("cast") is not None:
        try:
            cast = carried_cast(carried["cast"])
        except ValueError as exc:
            errors.append(InputError(export, line_of("cast", carried["cast"]), f"{where}.data.{CARRIED_FIELD}.cast", str(exc)))

    links = []
    for result in relations:
        ends = (result.get("from_id"), result.get("to_id"))
        for name, rid in zip(("from_id", "to_id"), ends):
            if rid not in known_ids:
                errors.append(
                    InputError(export, line_of(name, rid), f"{where}.{name}", f"refers to region {rid!r}, which is not in this annotation")
                )
        if all(rid in regions for rid in ends):
            links.append((ends[0], ends[1], f"{export}:{line_of('from_id', ends[0])}"))
    if errors:
        raise InputErrors(errors)
    if unknown_labels:
        notes.append(f"{export}: {doc_id}: regions with other labels ignored: " + ", ".join(f"{n} {lab}" for lab, n in sorted(unknown_labels.items())))
    if other_types:
        notes.append(f"{export}: {doc_id}: results of other types ignored: " + ", ".join(f"{n} {t}" for t, n in sorted(other_types.items())))
    attributions = attributions_from_links(regions, links, notes)
    return AnnotatedText(doc_id, source, text, regions, attributions, keep_unlinked_speakers=True, cast=cast)


def _apply_carried(carried: Any, regions: dict[str, Region], export: Path, line: int, where: str) -> list[InputError]:
    """Give regions what an export of this project carried in the task's
    ``data.quotebench`` (:func:`task_for`): entities' aliases and order,
    quotes' ids, attributes and order.  Returns the problems found."""
    if carried is None:
        return []
    field_name = f"{where}.data.{CARRIED_FIELD}"
    if not isinstance(carried, dict) or not isinstance(carried.get("entities", []), list) or not isinstance(carried.get("quotes", []), list):
        return [InputError(export, line, field_name, "must be an object with the lists 'entities' and 'quotes'")]
    errors = []
    speakers: dict[str, list[Region]] = {}
    for region in regions.values():
        if region.role == SPEAKER and region.entity_id:
            speakers.setdefault(region.entity_id, []).append(region)
    for order, record in enumerate(carried.get("entities", [])):
        try:
            entity_id = record.get("id") if isinstance(record, dict) else None
            aliases = carried_entity(record)
        except ValueError as exc:
            errors.append(InputError(export, line, f"{field_name}.entities[{order}]", str(exc)))
            continue
        for region in speakers.get(entity_id, []):
            region.carried, region.order = aliases, order
    for order, record in enumerate(carried.get("quotes", [])):
        try:
            if not isinstance(record, dict) or not isinstance(record.get("regions"), list):
                raise ValueError("must be an object with the list 'regions'")
            quote = carried_quote({k: v for k, v in record.items() if k != "regions"})
        except ValueError as exc:
            errors.append(InputError(export, line, f"{field_name}.quotes[{order}]", str(exc)))
            continue
        for rid in record["regions"]:
            region = regions.get(rid) if isinstance(rid, str) else None
            if region is not None and region.role == QUOTE:
                region.carried, region.order = quote, order
    return errors


# --------------------------------------------------------------------------
# Export

LABELING_CONFIG = """\
<View>
  <Header value="Quotes: who said what"/>
  <Relations>
    <Relation value="SpokenBy"/>
    <Relation value="HasCue"/>
    <Relation value="Continues"/>
  </Relations>
  <Labels name="label" toName="text">
    <Label value="Quote" background="#ffe082"/>
    <Label value="Speaker" background="#90caf9"/>
    <Label value="Cue" background="#a5d6a7"/>
  </Labels>
  <Text name="text" value="$text"/>
  <View visibleWhen="region-selected" whenLabelValue="Quote">
    <Header value="Quote type"/>
    <Choices name="quote_type" toName="text" perRegion="true" choice="single">
      <Choice value="direct"/>
      <Choice value="indirect"/>
      <Choice value="mixed"/>
    </Choices>
  </View>
  <View visibleWhen="region-selected" whenLabelValue="Speaker">
    <Header value="Entity id (first line) and name (second line)"/>
    <TextArea name="entity" toName="text" perRegion="true" rows="2" editable="true"/>
    <Choices name="entity_kind" toName="text" perRegion="true" choice="single">
      <Choice value="person"/>
      <Choice value="organization"/>
      <Choice value="group"/>
      <Choice value="other"/>
    </Choices>
  </View>
</View>
"""


def task_for(doc: Document, notes: list[str]) -> dict[str, Any]:
    """One Label Studio task with the document's gold as its annotation.
    Offsets are written in UTF-16 units, as Label Studio's editor counts
    them.  A fragmented quote becomes one region per fragment, the regions
    tied by ``Continues`` relations."""
    text = doc.text
    units = utf16_offsets(text)
    results: list[dict[str, Any]] = []

    def value(span: Span) -> dict[str, Any]:
        return {"start": units[span.start], "end": units[span.end], "text": text[span.start:span.end]}

    def region(rid: str, label: str, span: Span) -> None:
        results.append({"id": rid, "from_name": "label", "to_name": "text", "type": "labels", "value": {**value(span), "labels": [label]}})

    def per_region(rid: str, span: Span, from_name: str, kind: str, payload: dict) -> None:
        results.append({"id": rid, "from_name": from_name, "to_name": "text", "type": kind, "value": {**value(span), **payload}})

    def relation(a: str, b: str, label: str) -> None:
        results.append({"from_id": a, "to_id": b, "type": "relation", "direction": "right", "labels": [label]})

    speaker_ids: dict[tuple[str, Span], str] = {}
    for entity in doc.entities:
        for mention in entity.mentions:
            rid = f"s{len(speaker_ids) + 1}"
            speaker_ids[(entity.id, mention)] = rid
            region(rid, "Speaker", mention)
            per_region(rid, mention, ENTITY_FIELD, "textarea", {"text": [entity.id, entity.name]})
            per_region(rid, mention, "entity_kind", "choices", {"choices": [entity.kind]})
    cue_ids: dict[Span, str] = {}
    carried: dict[str, list] = {
        "entities": [{"id": e.id, "name": e.name, "kind": e.kind, "aliases": e.aliases} for e in doc.entities],
        "quotes": [],
    }
    if doc.cast is not None:
        carried["cast"] = list(doc.cast)
    for entity in doc.entities:
        if not entity.mentions:
            notes.append(f"{doc.doc_id}: entity {entity.id!r} has no mention; Label Studio cannot carry it")
    for quote in doc.quotes:
        fragment_ids = []
        for n, span in enumerate(quote.spans, start=1):
            rid = f"{quote.id}-{n}"
            fragment_ids.append(rid)
            region(rid, "Quote", span)
            per_region(rid, span, "quote_type", "choices", {"choices": [quote.type]})
        carried["quotes"].append({"regions": fragment_ids, **quote_record(doc, quote)})
        for a, b in zip(fragment_ids, fragment_ids[1:]):
            relation(a, b, "Continues")
        mention = speaker_anchor(doc, quote, notes)
        if mention is not None:
            relation(fragment_ids[0], speaker_ids[(quote.speaker, mention)], "SpokenBy")
        if quote.cue is not None:
            if quote.cue not in cue_ids:
                cue_ids[quote.cue] = f"c{len(cue_ids) + 1}"
                region(cue_ids[quote.cue], "Cue", quote.cue)
            relation(fragment_ids[0], cue_ids[quote.cue], "HasCue")
    data = {"text": text, "doc_id": doc.doc_id, "source": doc.source, CARRIED_FIELD: carried}
    return {"data": data, "annotations": [{"result": results}]}


def write_labelstudio(documents: list[Document], out_dir: str | os.PathLike, *, force: bool = False) -> list[str]:
    """Write ``DIR/tasks.json`` (import it into a project) and
    ``DIR/labeling_config.xml`` (that project's labelling interface); return
    notes about what could not be expressed.  A folder that is not empty is
    refused (:func:`check_export_folder`) unless ``force``."""
    from benchmark.files import write_text_atomic

    out = check_export_folder(out_dir, force=force)
    notes: list[str] = []
    tasks = [task_for(doc, notes) for doc in documents]
    write_text_atomic(out / CONFIG_FILE, LABELING_CONFIG)
    write_text_atomic(out / TASKS_FILE, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return notes


FORMAT = AnnotationFormat(
    name="labelstudio",
    help="Label Studio: a JSON export (import), tasks.json and labeling_config.xml (export)",
    read=read_labelstudio,
    write=write_labelstudio,
)
