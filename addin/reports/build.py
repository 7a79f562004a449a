"""The retro pack: a Word document a team uses in its quarter-end retrospective.

Over 500 lines: one document built by one class, section by section in reading order (the Word
XML python-docx lacks is in ``wordxml.py`` and ``wordfields.py``).

Sections, in order (each a Heading 1, so Word's navigation pane and the table of
contents list them): Scorecard, Objectives in detail, Operating rhythm, Dependencies and
alignment, Retrospective questions, Carry-over; a cover and a table of contents come first.
Every piece of user text passes through ``sanitize`` before it reaches the document.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence

import docx
from docx.document import Document
from docx.enum.text import WD_BREAK
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from addin.errors import InputError
from addin.okr import scoring
from addin.okr.model import DependencyAnswer, ObjectiveType, Status

from . import fmt
from .carryover import carry_over
from .charts import KrSeries, render_objective_charts
from .data import RetroInput
from .dependencies import Dependency, incoming_dependencies, team_dependencies
from .facts import KrFacts, ObjectiveFacts, QuarterFacts, compute_facts
from .questions import retro_questions
from .rhythm import Rhythm, rhythm_health
from .sanitize import MESSAGE_LIMIT, NOTE_LIMIT, SHORT_LIMIT, TITLE_LIMIT, one_line, text_for_docx
from .styles import Styles
from .timeline import notable_checkins
from .wordfields import _first_run_index, _fld_char, _instr, _simple_field, _update_fields_on_open
from .wordxml import Cell, table_xml

SECTION_TITLES = (
    "Scorecard",
    "Objectives in detail",
    "Operating rhythm",
    "Across quarters",
    "Dependencies and alignment",
    "Retrospective questions",
    "Carry-over",
)
STATUS_FILL = {  # Office's own "good / neutral / bad" cell colours, so it reads like Excel
    Status.DONE: "BDD7EE",
    Status.ON_TRACK: "C6EFCE",
    Status.AT_RISK: "FFEB9C",
    Status.OFF_TRACK: "FFC7CE",
    Status.NOT_STARTED: "E7E6E6",
}
STATUS_TEXT = {
    Status.DONE: "done",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.NOT_STARTED: "not started",
}
OBJECTIVE_FILL = "F2F2F2"
WEEK_WITH_FILL = "C6EFCE"
WEEK_WITHOUT_FILL = "FFC7CE"
ANSWER_HEIGHT_IN = 0.9  # each answer box: room to write a few lines
CHART_WIDTH_IN = 6.3  # or the text width, when the page is narrower
TOC_INSTRUCTION = ' TOC \\o "1-3" \\h \\z \\u '


def build_retro_pack(data: RetroInput, *, charts: bool = True, template: bytes | None = None) -> bytes:
    """The team's retro pack for the quarter, as the bytes of a .docx file."""
    facts = compute_facts(data)
    doc = _open(template)
    pack = _Pack(doc, facts, charts=charts)
    pack.build()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _open(template: bytes | None) -> Document:
    if template is None:
        doc = docx.Document()
        # python-docx's default template carries its own preview picture; a stale one misleads.
        rels = doc.part.package.rels
        for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
            del rels[rid]
        return doc
    try:
        doc = docx.Document(io.BytesIO(template))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            "The template is not a Word document (.docx) python-docx can open; save it from Word as "
            "'Word Document (*.docx)' and try again.",
            code="bad_template",
            field="template",
        ) from exc
    body = doc.element.body
    # Keep the template's styles, headers, footers and page setup (the final sectPr); drop its text.
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


class _Pack:
    """Writes one pack into ``doc``; one method per section."""

    def __init__(self, doc: Document, facts: QuarterFacts, *, charts: bool) -> None:
        self.doc = doc
        self.facts = facts
        self.data = facts.data
        self.charts = charts
        self.st = Styles(doc)
        self.headings: list[tuple[int, str]] = []
        self.team_name = one_line(self.data.team.name, TITLE_LIMIT) or "(unnamed team)"
        self.rhythm: Rhythm = rhythm_health(facts)
        self.dependencies = team_dependencies(facts)
        section = doc.sections[-1]
        # A template's section may leave out its page size or margins (<w:pgSz>, <w:pgMar>): Word then
        # uses a Letter page with 1-inch margins, and so does the pack.
        width = section.page_width if section.page_width is not None else Inches(8.5)
        left = section.left_margin if section.left_margin is not None else Inches(1)
        right = section.right_margin if section.right_margin is not None else Inches(1)
        self.text_width = (width - left - right) / 914400  # EMU -> in

    # -- building blocks -------------------------------------------------------------

    def para(self, text: str = "", style: str = "normal", *, bold: bool = False) -> Paragraph:
        p = self.doc.add_paragraph()
        if style != "normal":
            p._p.get_or_add_pPr().style = self.st.ids[style]
        if text:
            run = p.add_run(text)
            if bold:
                run.bold = True
        return p

    def heading(self, text: str, level: int) -> None:
        self.headings.append((level, text))
        self.para(text, "h1" if level == 1 else "h2")

    def bullet(self, text: str) -> None:
        self.para(text, "bullet")

    def table(
        self,
        header: Sequence[str] | None,
        rows: Iterable[Sequence[str | Cell]],
        widths: Sequence[float],
        *,
        row_height: float | None = None,
        size_pt: float | None = None,
    ) -> Table:
        """A table in the pack's table style; ``widths`` are relative, scaled to the text width."""
        scale = self.text_width / sum(widths)
        grid = [
            [c if isinstance(c, Cell) else Cell(c) for c in row] for row in ([header] if header else []) + list(rows)
        ]
        tbl = table_xml(
            grid,
            style_id=self.st.table_id,
            widths_in=[w * scale for w in widths],
            header=header is not None,
            row_height_in=row_height,
            size_pt=size_pt,
        )
        self.doc.element.body._insert_tbl(tbl)
        return Table(tbl, self.doc._body)

    # -- sections ----------------------------------------------------------------------

    def build(self) -> None:
        self.properties()
        self.header_footer()
        self.cover()
        self.page_break()
        toc_anchor = self.para()
        self.page_break()
        self.scorecard()
        self.objectives()
        self.rhythm_section()
        self.trends_section()
        self.dependencies_section()
        self.questions()
        self.carry_over()
        self.table_of_contents(toc_anchor)
        _update_fields_on_open(self.doc)

    def properties(self) -> None:
        props = self.doc.core_properties
        quarter = self.data.quarter.label
        props.title = one_line(f"Retrospective {self.team_name} {quarter}", 255)
        props.subject = f"OKR retrospective pack, {quarter}"
        props.author = one_line(self.data.author, 255)
        props.last_modified_by = props.author
        props.keywords = "OKR, retrospective, " + quarter
        props.category = "OKR retro pack"
        props.comments = ""
        at = self.data.generated_at
        at = (at.astimezone(dt.UTC) if at.tzinfo else at).replace(tzinfo=None)
        props.created = at
        props.modified = at
        props.revision = 1

    def header_footer(self) -> None:
        text = f"{self.team_name} · {self.data.quarter.label} retrospective"
        for section in self.doc.sections:
            header = section.header
            header.is_linked_to_previous = False
            first = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            p = first if not first.text.strip() and not first._p.xpath(".//w:drawing") else header.add_paragraph()
            p.add_run(text)
            footer = section.footer
            footer.is_linked_to_previous = False
            first = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
            p = first if not first.text.strip() and not first._p.xpath(".//w:drawing") else footer.add_paragraph()
            p.add_run("Page ")
            p._p.append(_simple_field("PAGE", "1"))
            p.add_run(" of ")
            p._p.append(_simple_field("NUMPAGES", "1"))

    def cover(self) -> None:
        q = self.data.quarter
        self.para(f"Retrospective: {self.team_name}", "title")
        self.para(f"{q.label} · {fmt.day(q.start)} – {fmt.day(q.end)}", "subtitle")
        score = self.para()
        run = score.add_run(f"Overall score {fmt.grade(self.facts.team_score)}")
        run.bold = True
        run.font.size = Pt(20)
        krs = self.facts.krs
        counts = {s: sum(1 for k in krs if k.status == s) for s in STATUS_TEXT}
        by_status = ", ".join(f"{n} {STATUS_TEXT[s]}" for s, n in counts.items() if n)
        self.para(
            f"{len(self.facts.objectives)} objectives, {len(krs)} key results"
            + (f": {by_status}." if by_status else ".")
        )
        self.para(
            f"Made {fmt.day(self.data.generated_at)} by {one_line(self.data.author, 120)}, from the check-ins "
            f"stored up to {fmt.day(self.facts.as_of)}."
        )
        if self.facts.as_of < q.end:
            self.para(f"The quarter is not over yet: this pack judges it as of {fmt.day(self.facts.as_of)}.", bold=True)

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def scorecard(self) -> None:
        self.heading("Scorecard", 1)
        self.para(
            f"Team score {fmt.grade(self.facts.team_score)}: the mean of the objective scores (weighted where "
            "weights are given); each objective's score (grey rows) is the weighted mean of its KRs' grades. Grades run "
            "from 0.0 to 1.0; on aspirational objectives 0.7 of the way counts as 1.0."
        )
        if not self.facts.objectives:
            self.para("The team had no objectives stored for this quarter.")
            return
        header = ("Objective / key result", "Baseline", "Target", "Final", "Grade", "Status")
        rows: list[list[Cell]] = []
        for o in self.facts.objectives:
            kind = " (aspirational)" if o.objective.type == ObjectiveType.ASPIRATIONAL else ""
            values = (_objective_name(o) + kind, "", "", "", fmt.grade(o.score), "")
            rows.append([Cell(v, OBJECTIVE_FILL, bold=True) for v in values])
            for k in o.krs:
                unit = k.kr.unit
                rows.append(
                    [
                        Cell(_kr_name(k)),
                        Cell(fmt.number(k.kr.baseline, unit)),
                        Cell(fmt.number(k.kr.target, unit)),
                        Cell(fmt.number(k.kr.current, unit)),
                        Cell(fmt.grade(k.grade)),
                        Cell(STATUS_TEXT[k.status], STATUS_FILL[k.status]),
                    ]
                )
        self.table(header, rows, widths=(1.9, 0.9, 0.75, 0.7, 0.7, 0.85))
        self.para("Legend", "caption")
        self.table(
            None, [[Cell(STATUS_TEXT[s], fill) for s, fill in STATUS_FILL.items()]], widths=[1] * len(STATUS_FILL)
        )
        self.para(
            "Status is judged at quarter end from progress against the expected pace and the last confidence. "
            "Final is the last value checked in during the quarter."
        )

    def objectives(self) -> None:
        self.heading("Objectives in detail", 1)
        if not self.facts.objectives:
            self.para("No objectives: nothing to chart.")
            return
        if self.charts:
            self.para(
                "For each objective: a chart per KR (labelled with the KR's number) of its progress against the "
                "expected pace over the quarter's weeks (dotted line) and the confidence the team reported "
                "(dashed); then each KR's path in numbers and the check-in notes that mattered."
            )
        else:
            self.para(
                "For each objective: each KR's progress and confidence over the quarter, and the check-in notes "
                "that mattered."
            )
        for o in self.facts.objectives:
            self.heading(_objective_name(o), 2)
            self.para(
                f"Score {fmt.grade(o.score)} · {'aspirational' if o.objective.type == ObjectiveType.ASPIRATIONAL else 'committed'}"
                f" · {len(o.krs)} key results"
                + (f" · aligns to {one_line(o.objective.aligns_to, 120)}" if o.objective.aligns_to else "")
            )
            if not o.krs:
                self.para("This objective had no key results.")
                continue
            if self.charts:
                for picture in render_objective_charts([self._series(k) for k in o.krs], days=self._days()):
                    self.doc.add_picture(io.BytesIO(picture), width=Inches(min(CHART_WIDTH_IN, self.text_width)))
            for k in o.krs:
                self.bullet(_kr_summary(k))
            entries = notable_checkins(o.krs)
            self.para("Timeline", bold=True)
            if not entries:
                self.para("No check-in moved much, dropped confidence or carried a note.")
            for e in entries:
                note = text_for_docx(e.note, NOTE_LIMIT).strip()
                self.bullet(
                    f"{fmt.day(e.at)} · {one_line(e.kr.label or e.kr.kr.title, 60)} · {e.why}"
                    + (f" — “{note}”" if note else "")
                )

    def _days(self) -> int:
        q = self.data.quarter
        return (q.end - q.start).days + 1

    def _series(self, k: KrFacts) -> KrSeries:
        q = self.data.quarter
        start = dt.datetime.combine(q.start, dt.time.min, tzinfo=dt.UTC)

        def x(at: dt.datetime) -> float:
            at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
            return (at - start).total_seconds() / 86400

        days = [q.start + dt.timedelta(days=d) for d in range(0, self._days() + 1, 7)] + [q.end]
        expected = tuple(((d - q.start).days + 1, scoring.expected_progress(q, d, k.kr.due)) for d in days)
        return KrSeries(
            title=_short_label(k),
            progress=tuple((x(p.at), p.progress) for p in k.points if p.progress is not None),
            confidence=tuple((x(p.at), p.confidence) for p in k.points if p.confidence is not None),
            expected=((0.0, 0.0), *expected),
        )

    def rhythm_section(self) -> None:
        r = self.rhythm
        f = self.facts
        stale_days = self.data.okrs.settings.thresholds.stale_days
        self.heading("Operating rhythm", 1)
        self.para(
            f"{r.weeks_with} of {len(r.weeks)} weeks had at least one check-in; "
            f"{sum(w.checkins for w in r.weeks)} check-ins in all."
        )
        self.heading("Check-in weeks", 2)
        if r.weeks:
            self.table(
                [f"w{w.number}" for w in r.weeks],
                [[Cell(str(w.checkins), WEEK_WITH_FILL if w.checkins else WEEK_WITHOUT_FILL) for w in r.weeks]],
                widths=[1] * len(r.weeks),
                size_pt=8,
            )
            self.para("Check-ins per week of the quarter; red weeks had none.", "caption")
        else:
            self.para("The quarter had not started.")
        self.heading("Stale key results", 2)
        if not r.stale:
            self.para(f"None: every KR had a check-in at least every {stale_days} days.")
        for s in r.stale:
            self.bullet(
                f"{_kr_name(s.kr)}: {s.gap_days} days without a check-in from {fmt.day(s.since)}"
                + (" (no check-in all quarter)" if not s.kr.points else "")
            )
        self.heading("Key results that never moved", 2)
        if not r.never_moved:
            self.para("None: every KR checked in more than once changed value at least once.")
        for k in r.never_moved:
            self.bullet(
                f"{_kr_name(k)}: {len(k.points)} check-ins, always {fmt.number(k.points[0].value, k.kr.unit)}"
                " — check-the-box?"
            )
        self.heading("Confidence swings", 2)
        if not r.swings:
            self.para("None: confidence never changed by 0.3 or more between two check-ins.")
        for swing in r.swings:
            self.bullet(
                f"{fmt.day(swing.at)} · {_kr_name(swing.kr)}: confidence {swing.before:.1f} → {swing.after:.1f}"
            )
        self.heading("Pitfalls flagged during the quarter", 2)
        if not f.findings:
            self.para("The linter flagged nothing for this team during the quarter.")
            return
        rows = []
        for rec in f.findings:
            fi = rec.finding
            rows.append(
                (
                    one_line(fi.pitfall or fi.rule, SHORT_LIMIT),
                    one_line(fi.location.describe(), 120),
                    text_for_docx(fi.message, MESSAGE_LIMIT),
                    fmt.day(rec.first_seen),
                    Cell(fmt.day(rec.resolved_at), STATUS_FILL[Status.ON_TRACK])
                    if rec.resolved_at
                    else Cell("still open", STATUS_FILL[Status.OFF_TRACK]),
                )
            )
        self.table(("Pitfall", "Where", "What", "First seen", "Resolved"), rows, widths=(1.1, 1.3, 2.4, 0.8, 0.8))

    def dependencies_section(self) -> None:
        self.heading("Dependencies and alignment", 1)
        deps = self.dependencies
        if deps:
            rows = [
                (
                    _kr_name(d.kr),
                    one_line(d.on, 120)
                    + (f" ({one_line(d.other_team, 80)})" if d.other_team and d.other_team != d.on else ""),
                    _acknowledged_cell(d),
                    one_line(d.ended, 300),
                )
                for d in deps
            ]
            self.table(
                ("Our key result", "Depended on", "Acknowledged", "How it ended"), rows, widths=(1.9, 1.2, 1.7, 1.6)
            )
        else:
            self.para("The team's key results named no dependency on another team.")
        incoming = incoming_dependencies(self.facts)
        self.para("Who depended on us", bold=True)
        if not incoming:
            self.para("No other team named this team in its dependencies.")
        for i in incoming:
            self.bullet(
                f"{one_line(i.kr.team, 80)}: {one_line(i.kr.ref or i.kr.id or '', 40)} {one_line(i.kr.title, 200)}".replace(
                    "  ", " "
                )
                + f" — {_answer_text(i.answer) if i.answer else 'we never answered'}"
            )
        self.para("Alignment", bold=True)
        links = [(o.objective.title, o.objective.aligns_to) for o in self.facts.objectives if o.objective.aligns_to]
        links += [(k.kr.title, k.kr.aligns_to) for k in self.facts.krs if k.kr.aligns_to]
        if not links:
            self.para("No objective or key result says what it aligns to.")
        for what, to in links:
            self.bullet(f"{one_line(what, 160)} → {one_line(to, 160)}")

    def questions(self) -> None:
        self.heading("Retrospective questions", 1)
        self.para("Built from this quarter's data. Write the team's answers in the boxes.")
        current = None
        for q in retro_questions(self.facts, self.rhythm, self.dependencies):
            if q.theme != current:
                current = q.theme
                self.heading(q.theme, 2)
            self.para(q.text)
            # One empty cell in a tall row: room to write, and Word grows it as they type.
            self.table(None, [[Cell()]], widths=[1], row_height=ANSWER_HEIGHT_IN)

    def trends_section(self) -> None:
        """The team across its last quarters, and the path of every key result carried into this one."""
        self.heading("Across quarters", 1)
        trend = list(self.data.trend)
        if len(trend) < 2:
            self.para("This is the team's first quarter in OKR Cadence: the trend starts here.")
        else:
            self.para(f"The team's score and check-in discipline over its last {len(trend)} quarters.")
            rows = [(t.quarter, str(t.key_results), fmt.grade(t.score), fmt.percent(t.discipline)) for t in trend]
            self.table(("Quarter", "Key results", "Score", "Weeks with check-ins"), rows, widths=(1.2, 1.1, 1.0, 1.6))
        if self.data.paths:
            titles = {kr.id: kr.title for kr in self.data.okrs.key_results if kr.id}
            self.heading("Carried-over key results", 2)
            path_rows = [
                (
                    one_line(titles.get(kr_id, kr_id), 120),
                    "; ".join(
                        f"{s.quarter}: {fmt.number(s.baseline)} → {fmt.number(s.current)} "
                        f"(target {fmt.number(s.target)})"
                        for s in steps
                    ),
                )
                for kr_id, steps in self.data.paths.items()
            ]
            self.table(("Key result", "Path"), path_rows, widths=(2.0, 3.9))

    def carry_over(self) -> None:
        self.heading("Carry-over", 1)
        items = carry_over(self.facts)
        if not items:
            self.para("Every key result finished: nothing to carry over.")
            return
        self.para(
            f"Key results graded below 0.4 or left unfinished, with a suggested wording for "
            f"{self.data.quarter.next().label}. Edit the wording and note the team's decision."
        )
        rows = [(_kr_name(c.kr), fmt.grade(c.kr.grade), c.reason, c.wording, "") for c in items]
        self.table(
            ("Key result", "Grade", "Why", "Suggested for next quarter", "Decision"),
            rows,
            widths=(1.5, 0.65, 0.95, 1.9, 1.0),
        )

    def table_of_contents(self, anchor) -> None:
        """A real TOC field (Word fills in page numbers on open), pre-filled with the headings."""
        body = anchor._p
        title = self.doc.add_paragraph()
        run = title.add_run("Contents")
        run.bold = True
        run.font.size = Pt(14)
        body.addprevious(title._p)
        paragraphs = []
        for level, text in self.headings:
            p = self.doc.add_paragraph()
            if level == 2:
                p.paragraph_format.left_indent = Inches(0.25)
            p.add_run(text)
            paragraphs.append(p)
        if not paragraphs:
            paragraphs.append(self.doc.add_paragraph())
        first, last = paragraphs[0]._p, paragraphs[-1]._p
        begin = [_fld_char("begin", dirty=True), _instr(TOC_INSTRUCTION), _fld_char("separate")]
        for i, run in enumerate(begin):
            first.insert(_first_run_index(first) + i, run)
        last.append(_fld_char("end"))
        for p in paragraphs:
            body.addprevious(p._p)
        body.getparent().remove(body)


# -- helpers -------------------------------------------------------------------------------


def _answer_text(answer: DependencyAnswer) -> str:
    """ "accepted by ana@…, 20 Nov 2026: “note”" (the note on one line, cut to fit a cell)."""
    text = f"{answer.state} by {one_line(answer.answered_by, 80)}, {fmt.day(answer.answered_at)}"
    return text + (f": \u201c{one_line(answer.note, 300)}\u201d" if answer.note else "")


def _acknowledged_cell(d: Dependency) -> Cell:
    """The other team's answer where it gave one (accepted / declined, who, when, note), else
    what the finding history and their key results say."""
    fill = STATUS_FILL[Status.ON_TRACK] if d.acknowledged else STATUS_FILL[Status.OFF_TRACK]
    if d.answer is not None:
        return Cell(_answer_text(d.answer), fill)
    if d.acknowledged:
        return Cell("yes" + (f", {fmt.day(d.acknowledged_at)}" if d.acknowledged_at else ""), fill)
    return Cell("no", fill)


def _objective_name(o: ObjectiveFacts) -> str:
    ref = one_line(o.objective.ref, SHORT_LIMIT)
    title = one_line(o.objective.title, TITLE_LIMIT) or "(untitled objective)"
    return f"{ref} {title}" if ref else title


def _kr_name(k: KrFacts) -> str:
    label = one_line(k.label, SHORT_LIMIT)
    title = one_line(k.kr.title, TITLE_LIMIT) or "(untitled key result)"
    return f"{label} {title}" if label else title


def _short_label(k: KrFacts) -> str:
    # Chart panels carry a short label; the full title is in the text beside the picture.
    return one_line(k.label, 20) or one_line(k.kr.title, 30)


def _kr_summary(k: KrFacts) -> str:
    pts = [p for p in k.points if p.progress is not None]
    confs = [p.confidence for p in k.points if p.confidence is not None]
    parts = [_kr_name(k)]
    if pts:
        parts.append(f"progress {fmt.percent(pts[0].progress)} → {fmt.percent(pts[-1].progress)}")
    else:
        parts.append(f"progress {fmt.percent(k.progress)}")
    if confs:
        parts.append("confidence " + " → ".join(f"{c:.1f}" for c in _trajectory(confs)))
    parts.append(f"{len(k.points)} check-ins")
    return " · ".join(parts)


def _trajectory(values: list[float], keep: int = 5) -> list[float]:
    """The confidence path without repeats, at most ``keep`` points (first, turns, last)."""
    rounded = [round(v, 1) for v in values]
    path = [v for i, v in enumerate(rounded) if i == 0 or v != rounded[i - 1]]
    if len(path) <= keep:
        return path
    step = (len(path) - 1) / (keep - 1)
    return [path[round(i * step)] for i in range(keep)]
