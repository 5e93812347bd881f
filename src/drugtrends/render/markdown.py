"""Executed notebook + parsed document -> Pandoc markdown, for HTML or Typst.

Figures (numbered, captioned, with alt text) are written to a folder and
linked; tables (pandas, great_tables, markdown) get numbered captions; cross
references ``@fig-x``, ``@tbl-x``, ``@sec-x``, inline expressions and the
``pagebreak`` / ``meta`` shortcodes are resolved.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drugtrends.errors import RenderError
from drugtrends.render.config import LABELS, Config, resolve_config
from drugtrends.render.execute import ANSI, INLINE_MIME
from drugtrends.render.qmd import INLINE, SHORTCODE, Cell, Document, Markdown
from drugtrends.render.reports import localised_titles

__all__ = ["to_markdown", "as_text", "fence"]

#: width of the Typst text block (A4, 2.5 cm margins), in inches
_TYPST_TEXT_WIDTH_IN = (21.0 - 5.0) / 2.54


def fence(content: str, info: str) -> str:
    """A fenced block around ``content``, with more backticks than any run inside it.

    Parameters
    ----------
    content : str
        The block's text.
    info : str
        The info string (``python``, ``{=typst}``).

    Examples
    --------
    >>> print(fence("x = 1\\n```", "python"))
    ````python
    x = 1
    ```
    ````
    """
    runs = [len(m) for m in re.findall(r"`{3,}", content)]
    ticks = "`" * max(3, max(runs, default=0) + 1)
    return f"{ticks}{info}\n{content.rstrip(chr(10))}\n{ticks}"


def as_text(value: Any) -> str:
    """Notebook text fields are strings or lists of strings.

    Parameters
    ----------
    value : str or list of str
        A notebook text field.

    Examples
    --------
    >>> as_text(["a", "b"]), as_text("c")
    ('ab', 'c')
    """
    return "".join(value) if isinstance(value, list) else str(value)


_KERNEL_FILE = re.compile(r"(?:/[^\s:\"']*)?/ipykernel_\d+/\d+\.py")


def _clean_output(text: str) -> str:
    """Strip ANSI colours and the kernel's per-process cell file names (reproducible output)."""
    return _KERNEL_FILE.sub("<cell>", ANSI.sub("", text))


def _image_width_in(mime: str, data: bytes) -> float | None:
    if mime == "image/svg+xml":
        m = re.search(rb"<svg[^>]*?\swidth=\"([\d.]+)(pt|px|in|cm|mm)?\"", data[:4000])
        if not m:
            return None
        per_in = {b"pt": 72.0, b"px": 96.0, b"in": 1.0, b"cm": 2.54, b"mm": 25.4, None: 96.0}[m.group(2)]
        return float(m.group(1)) / per_in
    if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n":
        width = int.from_bytes(data[16:20], "big")
        dpi = 96.0
        i = data.find(b"pHYs")
        if i > 0:
            ppu = int.from_bytes(data[i + 4 : i + 8], "big")
            if data[i + 12] == 1 and ppu > 0:
                dpi = ppu * 0.0254
        return width / dpi
    return None


_IMAGE_MIMES = {"image/svg+xml": ".svg", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}


def _html_for_typst(fragment: str, caption: str | None, ident: str | None) -> str:
    """Convert an HTML table (pandas, great_tables) to a raw Typst block via Pandoc."""
    import pypandoc

    frag = re.sub(r"<(style|script)\b.*?</\1>", "", fragment, flags=re.S | re.I)
    frag = re.sub(r"</?div\b[^>]*>", "", frag, flags=re.I)
    title = re.search(r"<t[dh][^>]*class=\"[^\"]*gt_title[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    subtitle = re.search(r"<t[dh][^>]*class=\"[^\"]*gt_subtitle[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    frag = re.sub(r"<tr[^>]*class=\"gt_heading\"[^>]*>.*?</tr>", "", frag, flags=re.S)
    notes = re.findall(r"<t[dh][^>]*class=\"[^\"]*gt_(?:sourcenote|footnote)\b[^\"]*\"[^>]*>(.*?)</t[dh]>", frag, re.S)
    frag = re.sub(r"<tfoot\b.*?</tfoot>", "", frag, flags=re.S)
    cap_html = html.escape(caption) if caption else None
    if cap_html is None and title:
        cap_html = title.group(1).strip()
        if subtitle and subtitle.group(1).strip():
            cap_html += ". " + subtitle.group(1).strip()
    if cap_html or ident:
        def add_caption(m: re.Match[str]) -> str:
            tag = m.group(0)
            if ident:
                tag = re.sub(r"\sid=\"[^\"]*\"", "", tag)
                tag = tag[:-1] + f' id="{html.escape(ident)}">'
            return tag + (f"<caption>{cap_html}</caption>" if cap_html else "")

        frag = re.sub(r"<caption\b.*?</caption>", "", frag, flags=re.S)
        frag = re.sub(r"<table\b[^>]*>", add_caption, frag, count=1)
    typ = pypandoc.convert_text(frag, "typst", format="html", extra_args=["--wrap=none"]).rstrip()
    notes_html = "".join(f"<p>{n.strip()}</p>" for n in notes if n.strip())
    if notes_html:
        # source notes and footnotes in a smaller font, as in the HTML table
        notes_typ = pypandoc.convert_text(notes_html, "typst", format="html", extra_args=["--wrap=none"]).strip()
        typ += f"\n\n#block[\n#set text(size: 0.85em)\n{notes_typ}\n]"
    return fence(typ, "{=typst}")


def _table_key(cell: Cell) -> str:
    return cell.label if cell.label and cell.label.startswith("tbl-") else f"#cell{cell.index}"


@dataclass
class _Refs:
    numbers: dict[str, int]
    sections: dict[str, str]


def _collect_refs(doc: Document) -> _Refs:
    # tables: every cell with a tbl-cap, in order (figures are numbered from the outputs)
    numbers: dict[str, int] = {}
    for c in doc.cells:
        if c.options.get("tbl-cap"):
            numbers[_table_key(c)] = len(numbers) + 1
    sections: dict[str, str] = {}
    for ch in doc.chunks:
        if isinstance(ch, Markdown) and not ch.verbatim:
            for m in re.finditer(r"^#{1,6}\s+(.*?)\s*\{[^}]*#(sec-[\w-]+)[^}]*\}\s*$", ch.text, re.M):
                sections[m.group(2)] = m.group(1)
    return _Refs(numbers, sections)


class _Converter:
    """Executed notebook + parsed document -> Pandoc markdown for one target."""

    def __init__(self, doc: Document, cfg: Config, nb, target: str, figdir: Path):
        self.doc, self.cfg, self.target, self.figdir = doc, cfg, target, figdir
        self.labels = LABELS.get(cfg.lang.split("-")[0], LABELS["en"])
        self.refs = _collect_refs(doc)
        self.outputs: dict[int, list] = {}
        self.inline: dict[tuple[int, int], str] = {}
        #: page title/subtitle set at run time: display metadata {"drugtrends": {"title": ..., "subtitle": ...}}
        self.runtime: dict[str, str] = {}
        for cell in nb.cells:
            info = cell.metadata.get("drugtrends", {})
            if info.get("role") == "cell":
                self.outputs[info["chunk"]] = [o for o in cell.get("outputs", []) if not self._page_meta(o)]
            elif info.get("role") == "inline":
                val = ""
                for out in cell.get("outputs", []):
                    data = out.get("data", {}).get(INLINE_MIME)
                    if data is not None:
                        val = data["value"] if isinstance(data, dict) else json.loads(data)["value"]
                self.inline[(info["chunk"], info["k"])] = val
        # figures: every captioned image, in document order (as Typst numbers them)
        self.fig_numbers: dict[tuple[int, int], int] = {}
        for ci, chunk in enumerate(doc.chunks):
            if not isinstance(chunk, Cell):
                continue
            opts = {**cfg.execute, **chunk.options}
            if not (opts.get("include", True) and opts.get("output", True) and opts.get("eval", True)):
                continue
            n = 0
            for out in self.outputs.get(ci, []):
                if self._image_mime(out) is None:
                    continue
                if self._caption(opts, "fig-cap", n) or _run_meta(out).get("caption"):
                    self.fig_numbers[(chunk.index, n)] = len(self.fig_numbers) + 1
                    if n == 0 and chunk.label and chunk.label.startswith("fig-"):
                        self.refs.numbers[chunk.label] = self.fig_numbers[(chunk.index, n)]
                n += 1

    def _page_meta(self, out: Mapping[str, Any]) -> bool:
        """Record a run-time page title/subtitle; ``True`` for such an output (it shows nothing)."""
        meta = _run_meta(out)
        found = {k: str(meta[k]) for k in ("title", "subtitle") if meta.get(k)}
        self.runtime.update(found)
        return bool(found)

    def _image_mime(self, out: Mapping[str, Any]) -> str | None:
        if out.get("output_type") not in {"display_data", "execute_result"}:
            return None
        data = out.get("data", {})
        if INLINE_MIME in data or (self.target == "html" and "text/html" in data):
            return None
        return next((m for m in _IMAGE_MIMES if m in data), None)

    # -- markdown runs
    def markdown(self, ci: int, chunk: Markdown) -> str:
        if chunk.verbatim:
            return chunk.text
        counter = iter(range(10**9))
        text = INLINE.sub(lambda m: self.inline.get((ci, next(counter)), m.group(0)), chunk.text)
        text = self._xrefs(text)
        return SHORTCODE.sub(self._shortcode, text)

    def _xrefs(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            lab = m.group(1)
            kind = lab.split("-", 1)[0]
            if kind == "sec":
                title = self.refs.sections.get(lab)
                if title is None:
                    return m.group(0)
                if self.target == "typst":
                    return f"`#link(<{lab}>)[{_typst_escape(title)}]`{{=typst}}"
                return f"[{title}](#{lab})"
            if lab not in self.refs.numbers:
                return m.group(0)
            if self.target == "typst":
                return f"`@{lab}`{{=typst}}"
            return f"[{self.labels[kind]}&nbsp;{self.refs.numbers[lab]}](#{lab})"

        return re.sub(r"(?<![\w@\\])@((?:fig|tbl|sec)-[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)", repl, text)

    def _shortcode(self, m: re.Match[str]) -> str:
        name, args = m.group(1), m.group(2)
        if name == "pagebreak":
            if self.target == "typst":
                return "\n```{=typst}\n#pagebreak()\n```\n"
            return '\n```{=html}\n<div style="page-break-after: always;"></div>\n```\n'
        if name == "meta":
            val: Any = self.doc.meta
            for part in args.strip().split("."):
                val = val.get(part) if isinstance(val, dict) else None
            if val is None:
                raise RenderError(f"report '{self.doc.name}': {{{{< meta {args} >}}}} names no front-matter key")
            return str(val)
        raise RenderError(
            f"report '{self.doc.name}': the shortcode {{{{< {name} >}}}} needs Quarto; "
            "the built-in renderer knows only 'pagebreak' and 'meta'."
        )

    # -- code cells
    def cell(self, ci: int, cell: Cell) -> str:
        opts = {**self.cfg.execute, **cell.options}
        if not opts.get("include", True):
            return ""
        parts: list[str] = []
        if opts.get("echo", True):
            parts.append(fence(cell.code, " {.python .cell-code}"))
        show = opts.get("output", True)
        if show and opts.get("eval", True):
            parts.extend(self._outputs(cell, opts, self.outputs.get(ci, []), asis=show == "asis"))
        # no wrapper div: headings printed by `output: asis` cells must stay top-level
        # blocks, or Pandoc leaves them out of the sections and the table of contents
        return "\n\n".join(p for p in parts if p)

    def _outputs(self, cell: Cell, opts: Mapping[str, Any], outputs: list, asis: bool) -> list[str]:
        parts: list[str] = []
        n_fig = 0
        n_tbl = 0
        streams: list[tuple[str, str]] = []
        for out in outputs:
            if out.get("output_type") == "stream":
                if streams and streams[-1][0] == out["name"]:
                    streams[-1] = (out["name"], streams[-1][1] + as_text(out["text"]))
                else:
                    streams.append((out["name"], as_text(out["text"])))
                continue
            for name, text in streams:
                parts.append(self._stream(name, text, opts, asis))
            streams = []
            kind = out.get("output_type")
            if kind == "error":
                tb = _clean_output("\n".join(out.get("traceback", [])))
                parts.append(fence(tb, " {.cell-output .cell-output-error}"))
            elif kind in {"display_data", "execute_result"}:
                data = out.get("data", {})
                if INLINE_MIME in data:
                    continue
                img = self._image_mime(out)
                if img is not None:
                    parts.append(self._figure(cell, opts, img, data[img], n_fig, _run_meta(out)))
                    n_fig += 1
                elif "text/markdown" in data and not (self.target == "html" and "text/html" in data):
                    md = as_text(data["text/markdown"])
                    parts.append(self._table_caption(cell, opts, n_tbl, md) if _looks_like_table(md) else md)
                    n_tbl += _looks_like_table(md)
                elif "text/html" in data:
                    parts.append(self._html(cell, opts, as_text(data["text/html"]), n_tbl))
                    n_tbl += "<table" in as_text(data["text/html"])
                elif "text/latex" in data and re.fullmatch(r"\s*\$.*\$\s*", as_text(data["text/latex"]), re.S):
                    parts.append(as_text(data["text/latex"]))
                elif "text/plain" in data:
                    text = as_text(data["text/plain"])
                    parts.append(text if asis else fence(text, " {.cell-output .cell-output-display}"))
        for name, text in streams:
            parts.append(self._stream(name, text, opts, asis))
        return parts

    def _stream(self, name: str, text: str, opts: Mapping[str, Any], asis: bool) -> str:
        if name == "stderr" and not opts.get("warning", True):
            return ""
        if not text.strip():
            return ""
        if asis and name == "stdout":
            return text
        return fence(_clean_output(text), f" {{.cell-output .cell-output-{name}}}")

    def _caption(self, opts: Mapping[str, Any], key: str, n: int) -> str | None:
        cap = opts.get(key)
        if isinstance(cap, list):
            return str(cap[n]) if n < len(cap) else None
        return str(cap) if cap is not None and n == 0 else None

    def _figure(self, cell: Cell, opts: Mapping[str, Any], mime: str, payload: Any, n: int,
                meta: Mapping[str, Any]) -> str:
        raw = as_text(payload)
        data = raw.encode("utf-8") if mime == "image/svg+xml" else base64.b64decode(raw)
        base = cell.label or f"cell-{cell.index + 1}"
        fname = f"{base}-{n + 1}{_IMAGE_MIMES[mime]}"
        self.figdir.mkdir(parents=True, exist_ok=True)
        (self.figdir / fname).write_bytes(data)
        rel = f"{self.figdir.name}/{fname}"
        cap = str(meta.get("caption") or self._caption(opts, "fig-cap", n) or "")
        # alt text: fig-alt, else the caption as plain text (screen readers get something meaningful)
        # alt text computed at run time (display metadata) wins over the cell options
        alt = str(meta.get("alt") or "") or self._caption(opts, "fig-alt", n) or re.sub(r"<[^>]+>|[*_`]|@\S+", "", cap).strip()
        attrs: list[str] = []
        lab = cell.label or ""
        ident = lab if n == 0 else f"{lab}-{n + 1}"
        if cap and lab.startswith("fig-"):
            attrs.append(f"#{ident}")
        num = self.fig_numbers.get((cell.index, n))
        if cap and num is not None and self.target == "html":
            cap = f"{self.labels['fig']}&nbsp;{num}: {cap}"
        if alt:
            attrs.append(f'alt="{_attr_escape(alt)}"')
        width = _image_width_in(mime, data)
        if width:
            if self.target == "typst":
                attrs.append(f"width={min(100.0, 100 * width / _TYPST_TEXT_WIDTH_IN):.1f}%")
            elif mime != "image/svg+xml":
                attrs.append(f"width={width:.2f}in")
        attr = "{" + " ".join(attrs) + "}" if attrs else ""
        if not cap:
            # an image alone without caption stays an image (no figure); keep it in its own paragraph
            return f"![]({rel}){attr}\\ "
        return f"![{cap}]({rel}){attr}"

    def _table_caption(self, cell: Cell, opts: Mapping[str, Any], n: int, body: str) -> str:
        cap = self._caption(opts, "tbl-cap", n)
        if not cap:
            return body
        lab = cell.label or ""
        if self.target == "typst":
            ident = f" {{#{lab}}}" if lab.startswith("tbl-") and n == 0 else ""
            return f"{body}\n\n: {cap}{ident}"
        if n == 0 and _table_key(cell) in self.refs.numbers:
            cap = f"{self.labels['tbl']}&nbsp;{self.refs.numbers[_table_key(cell)]}: {cap}"
        ident = f"#{lab} " if lab.startswith("tbl-") and n == 0 else ""
        return f"::::: {{{ident}.table-figure}}\n::: {{.table-caption}}\n{cap}\n:::\n\n{body}\n:::::"

    def _html(self, cell: Cell, opts: Mapping[str, Any], fragment: str, n: int) -> str:
        is_table = "<table" in fragment
        if self.target == "typst":
            if not is_table:
                import pypandoc

                frag = re.sub(r"<(style|script)\b.*?</\1>", "", fragment, flags=re.S | re.I)
                return pypandoc.convert_text(frag, "markdown-raw_html-native_divs-native_spans", format="html")
            cap = self._caption(opts, "tbl-cap", n)
            lab = cell.label or ""
            ident = lab if lab.startswith("tbl-") and cap and n == 0 else None
            return _html_for_typst(fragment, cap, ident)
        block = fence(fragment, "{=html}")
        return self._table_caption(cell, opts, n, block) if is_table else block


def _run_meta(out: Mapping[str, Any]) -> Mapping[str, Any]:
    """``display(obj, metadata={"drugtrends": {"alt": ..., "caption": ...}})``: what a cell said about its output."""
    meta = (out.get("metadata") or {}).get("drugtrends") or {}
    return meta if isinstance(meta, Mapping) else {}


def _looks_like_table(md: str) -> bool:
    return bool(re.search(r"^\s*\|.*\|\s*$\n^\s*\|?\s*:?-{3,}", md, re.M))


def _attr_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _typst_escape(s: str) -> str:
    return re.sub(r"([\\\[\]#$*_`<>@])", r"\\\1", s)


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for a in items:
        if isinstance(a, dict):
            name = a.get("name", "")
            if isinstance(name, dict):
                name = name.get("literal") or " ".join(str(name.get(k, "")) for k in ("given", "family")).strip()
            out.append(str(name))
        else:
            out.append(str(a))
    return [a for a in out if a]


def _doc_date(value: Any, path: Path | None) -> str | None:
    if value is None:
        return None
    if value == "today" or value == "now":
        return _dt.date.today().isoformat()
    if value == "last-modified" and path is not None:
        return _dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _metadata_block(doc: Document, cfg: Config, target: str, params: Mapping[str, Any] | None = None,
                    runtime: Mapping[str, str] | None = None) -> str:
    meta: dict[str, Any] = {}
    for key in ("title", "subtitle", "abstract", "keywords", "description"):
        if doc.meta.get(key) is not None:
            meta[key] = doc.meta[key]
    # the page's title in its language: set at run time by a cell, else a catalogue key, else the front matter
    meta.update(localised_titles(doc, cfg.lang, params or {}))
    meta.update({k: v for k, v in (runtime or {}).items() if k in ("title", "subtitle") and v})
    authors = _authors(doc.meta.get("author"))
    if authors:
        meta["author"] = authors
    date = _doc_date(doc.meta.get("date"), doc.path)
    if date:
        meta["date"] = date
    meta["lang"] = cfg.lang
    opts = cfg.html if target == "html" else cfg.typst
    labels = LABELS.get(cfg.lang.split("-")[0], LABELS["en"])
    meta["toc-title"] = opts.get("toc-title", labels["toc"])
    if target == "html":
        meta["pagetitle"] = str(doc.meta.get("pagetitle") or meta.get("title") or doc.name)
    else:
        meta["papersize"] = str(opts.get("papersize", "a4"))
        meta["margin"] = opts.get("margin", {"x": "2.5cm", "y": "2.5cm"})
        meta["page-numbering"] = "1"
        if opts.get("number-sections"):
            meta["section-numbering"] = "1.1.1"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=True) + "---\n"


def to_markdown(doc: Document, nb, target: str, figdir: Path, project: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None) -> str:
    """Assemble the Pandoc markdown of an executed report for ``target`` (``html`` or ``typst``).

    Figures are written into ``figdir`` and referenced relative to its parent.
    ``params`` are the resolved report parameters: a ``lang`` parameter sets
    the page language (table-of-contents title, caption prefixes, footer).

    The page title (and subtitle) in the page's language comes from, in order:
    a cell's display metadata (``publish_display_data({"text/plain": ""},
    metadata={"drugtrends": {"title": ...}})``, shown nowhere else), the front
    matter's ``drugtrends: title_key`` looked up in :mod:`drugtrends.i18n` with
    the report parameters as placeholders, the front matter's ``title``.

    Parameters
    ----------
    doc : Document
        The parsed report.
    nb : NotebookNode
        Its executed notebook.
    target : {"html", "typst"}
        The output the markdown is for.
    figdir : Path
        Where figures are written.
    project : mapping, optional
        The project configuration (``_quarto.yml``).
    params : mapping, optional
        The report's parameters.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> from drugtrends.render import parse_qmd
    >>> doc = parse_qmd("---\\ntitle: T\\n---\\nSome *text*.\\n")
    >>> md = to_markdown(doc, nbformat.v4.new_notebook(), "html", pathlib.Path(tempfile.mkdtemp()) / "f")
    >>> md.splitlines()[-1]
    'Some *text*.'
    """
    cfg = resolve_config(doc, project if project is not None else {}, params)
    conv = _Converter(doc, cfg, nb, target, figdir)
    parts = [_metadata_block(doc, cfg, target, params, conv.runtime)]
    for ci, chunk in enumerate(doc.chunks):
        part = conv.markdown(ci, chunk) if isinstance(chunk, Markdown) else conv.cell(ci, chunk)
        if part:
            parts.append(part)
    return "\n\n".join(p.strip("\n") for p in parts).rstrip() + "\n"


def __dir__() -> list[str]:  # dir() and tab completion show the public API only (PEP 562)
    return list(__all__)
