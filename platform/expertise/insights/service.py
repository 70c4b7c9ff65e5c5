"""Usage figures for coordinators: plain functions over a period, with filters.

Every figure is counted over a `Period` (local dates in Europe/Amsterdam, the last
day included) and `Filters` (team, organisation, expertise area). What counts:

- **questions asked**: questions published in the period and not taken down by
  moderation (held, rejected or removed questions are not counted: experts cannot
  answer them). A question with two areas counts in both areas.
- **answered**: of those, the share that has had a first advice (until now).
- **time to first advice**: working hours (`expertise.core.workdays`: weekends and
  Dutch public holidays do not count) from publishing to the first published
  advice; median and p90 (nearest rank). Per organisation it is the organisation
  of the expert whose advice came first.
- **over the norm**: answered later than the norm's working hours
  (`Urgency.advice_norm_hours`), or still unanswered and past it now.
- **unanswered now** and **past the norm now**: open questions without advice
  today, whatever the period (past the norm: `advice_due_at` has passed, as in the
  question list's "overdue" filter).
- **feedback rate** (*terugkoppeling*): of the questions asked in the period that
  had advice, the share closed. Closing always records what was done with the
  advice (outcome and explanation), so a closed question is one with feedback.
- **outcomes and usefulness**: of the questions closed in the period, per
  organisation that advised on them: followed / partly / not followed, and the
  mean rating (1–5) the owner gave that organisation's advices.
- **pool**: per organisation the experts enrolled (active accounts with the
  expert role), the experts who advised in the period, and the advices given;
  per area the enrolled and active experts (active: advised in the period on a
  question in that area) and a signal when fewer than
  `INSIGHTS_MIN_ACTIVE_EXPERTS` (default 2) were active.
- **weekly consultation**: meetings held, items discussed, and minutes present
  per organisation against its budget (the monthly budget times the share of each
  month the period covers).
- **trends**: per month, for the twelve months that end with the period's last
  month: questions asked, median time to first advice, feedback rate.

Filters: the team filter keeps the questions of that team (and the meetings of
consultations for that team); the area filter the questions in that area (and
the experts enrolled in it); the organisation filter the questions that had an
advice from that organisation, and that organisation's experts, advices and
minutes.

Privacy: figures are per team, area or organisation, never per family worker, and
contain no question text and no identity. A figure that rests on 1 to 4 questions is
shown as "< 5" (`SMALL_CELL`), in the page, the CSV and the report alike, so no
team's single case can be singled out.
"""
import bisect
import csv
import io
import math
import statistics
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import ExpertiseArea, Organisation, Role, Team, User, UserRole, user_expertise_area
from ..consultations.models import AgendaItem, Attendance, ItemStatus, Meeting, MeetingStatus, consultation_team
from ..core import workdays
from ..core.time import AMSTERDAM
from ..core.templating import local_month
from ..extensions import db
from ..questions.models import Post, PostKind, PostStatus, Question, Status, Urgency, question_expertise_area

SMALL_CELL = 5  # figures resting on fewer questions than this are shown as "< 5"
SUPPRESSED = "< 5"
MAX_PERIOD_DAYS = 5 * 366
TREND_MONTHS = 12


class InsightsError(Exception):
    """A period or filter the figures cannot be made for; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- periods and filters -----------------------------------------------------------------------


PERIOD_KINDS = ("maand", "vorige-maand", "kwartaal", "jaar", "anders")
PERIOD_LABELS = {
    "maand": _l("Deze maand"),
    "vorige-maand": _l("Vorige maand"),
    "kwartaal": _l("Dit kwartaal"),
    "jaar": _l("Dit jaar"),
    "anders": _l("Zelf kiezen"),
}


@dataclass(frozen=True)
class Period:
    """Local dates in Europe/Amsterdam, `first` and `last` both included."""

    first: date
    last: date
    kind: str = "anders"

    @cached_property
    def start(self):
        """The first instant of the period (aware, Amsterdam)."""
        return datetime.combine(self.first, time(0), tzinfo=AMSTERDAM)

    @cached_property
    def end(self):
        """The first instant after the period (aware, Amsterdam)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=AMSTERDAM)

    @property
    def days(self):
        return (self.last - self.first).days + 1

    def contains(self, moment):
        return moment is not None and self.start <= moment < self.end

    @property
    def slug(self):
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def _month_start(day):
    return day.replace(day=1)


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(kind, today, first=None, last=None):
    """Return the period of a kind ("maand", "vorige-maand", "kwartaal", "jaar", "anders").

    `today` is the local date; "anders" (custom) needs `first` and `last`, the
    last day included, at most five years apart. Raise InsightsError otherwise.
    """
    if kind == "maand":
        start = _month_start(today)
        return Period(start, _add_months(start, 1) - timedelta(days=1), kind)
    if kind == "vorige-maand":
        start = _add_months(_month_start(today), -1)
        return Period(start, _add_months(start, 1) - timedelta(days=1), kind)
    if kind == "kwartaal":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(start, _add_months(start, 3) - timedelta(days=1), kind)
    if kind == "jaar":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), kind)
    if kind == "anders":
        if first is None or last is None:
            raise InsightsError(_l("Kies een begin- en einddatum."), "van")
        if last < first:
            raise InsightsError(_l("De einddatum ligt voor de begindatum."), "tot")
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise InsightsError(_l("Kies een periode van hoogstens vijf jaar."), "tot")
        return Period(first, last, kind)
    raise InsightsError(_l("Kies een periode uit de lijst."), "periode")


def month_period(year, month):
    """Return the period of one calendar month."""
    start = date(year, month, 1)
    return Period(start, _add_months(start, 1) - timedelta(days=1), "maand")


@dataclass(frozen=True)
class Filters:
    team_id: int | None = None
    organisation_id: int | None = None
    area_id: int | None = None


# --- cells and tables ----------------------------------------------------------------------


def _decimal(value, places=1):
    return f"{value:.{places}f}".replace(".", ",")


@dataclass(frozen=True)
class Cell:
    """One figure; `base` is the number of questions it rests on (small cells are suppressed)."""

    value: object
    kind: str = "count"  # count, hours, share, rating, minutes, text
    base: int | None = None

    @property
    def suppressed(self):
        """A count of 1 to 4 questions, or a figure resting on 1 to 4 questions."""
        bases = [self.base] + ([self.value] if self.kind == "count" else [])
        return any(b is not None and 0 < b < SMALL_CELL for b in bases)

    @property
    def number(self):
        """The value for a chart, or None when suppressed or empty."""
        if self.suppressed or self.value is None or self.kind == "text":
            return None
        return self.value * 100 if self.kind == "share" else self.value

    @property
    def text(self):
        if self.kind == "text":
            return str(self.value)
        if self.suppressed:
            return SUPPRESSED
        if self.value is None:
            return "–"
        if self.kind == "share":
            return f"{round(self.value * 100)}%"
        if self.kind in ("hours", "rating"):
            return _decimal(self.value)
        return str(self.value)

    def __str__(self):
        return self.text


def text(value):
    return Cell(str(value), "text")


def count(value):
    """A count of questions (or advices): 1 to 4 is suppressed."""
    return Cell(int(value), "count")


def plain(value):
    """A count of experts, meetings or minutes: never about a family, not suppressed."""
    return Cell(int(value), "minutes", None)


@dataclass
class Chart:
    """What to draw of a table: a bar per row of `column`, or a line over the rows."""

    column: int
    kind: str = "bar"  # bar or line
    unit: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list
    rows: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    note: str = ""

    def as_text(self):
        """Return the header and the rows as the strings shown (the CSV's content)."""
        return [[str(c) for c in self.columns]] + [[cell.text for cell in row] for row in self.rows]


def _cell_for_csv(value):
    """Keep spreadsheet programs from reading a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def table_csv(table, period):
    """Return a table as CSV (semicolons, as Dutch spreadsheet programs expect), period in front."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    header, *rows = table.as_text()
    writer.writerow(["van", "tot_en_met"] + header)
    for row in rows:
        writer.writerow([period.first.isoformat(), period.last.isoformat()] + [_cell_for_csv(v) for v in row])
    return out.getvalue()


# --- loading ---------------------------------------------------------------------------------


@dataclass(eq=False)
class _Question:
    id: int
    team_id: int | None
    urgency: str
    published_at: datetime
    first_advice_at: datetime | None
    status: str
    closed_at: datetime | None
    areas: list = field(default_factory=list)
    first_organisation_id: int | None = None
    _over: tuple = (None, None)

    @cached_property
    def hours_to_advice(self):
        if self.first_advice_at is None:
            return None
        return workdays.working_hours(self.published_at, self.first_advice_at)

    def over_norm(self, now):
        if self._over[0] == now:
            return self._over[1]
        norm = Urgency(self.urgency).advice_norm_hours
        if self.first_advice_at is not None:
            over = self.hours_to_advice > norm
        else:
            over = workdays.working_hours(self.published_at, now) >= norm
        self._over = (now, over)
        return over


def _expert_advice():
    return sa.and_(Post.kind == PostKind.ADVICE.value, Post.status == PostStatus.PUBLISHED.value,
                   Post.author_role == Role.EXPERT.value)


def _question_conditions(filters):
    conditions = [Question.published_at.is_not(None), Question.status != Status.DRAFT.value,
                  Question.moderation_state.is_(None)]
    if filters.team_id is not None:
        conditions.append(Question.team_id == filters.team_id)
    if filters.area_id is not None:
        conditions.append(sa.exists().where(question_expertise_area.c.question_id == Question.id,
                                            question_expertise_area.c.expertise_area_id == filters.area_id))
    if filters.organisation_id is not None:
        # Its own alias: the figures that select from Post must not correlate with it.
        advice = sa.orm.aliased(Post)
        conditions.append(sa.exists().where(
            advice.question_id == Question.id, advice.kind == PostKind.ADVICE.value,
            advice.status == PostStatus.PUBLISHED.value, advice.author_role == Role.EXPERT.value,
            advice.organisation_id == filters.organisation_id))
    return conditions


def _load_questions(start, end, filters):
    """Return the questions published in [start, end) with areas and first-advice organisation (3 queries)."""
    conditions = _question_conditions(filters) + [Question.published_at >= start, Question.published_at < end]
    rows = db.session.execute(
        sa.select(Question.id, Question.team_id, Question.urgency, Question.published_at,
                  Question.first_advice_at, Question.status, Question.closed_at).where(*conditions)
    ).all()
    questions = {row.id: _Question(*row) for row in rows}
    if not questions:
        return []
    chosen = sa.select(Question.id).where(*conditions).scalar_subquery()
    for question_id, area_id in db.session.execute(
        sa.select(question_expertise_area.c.question_id, question_expertise_area.c.expertise_area_id)
        .where(question_expertise_area.c.question_id.in_(chosen))
    ):
        questions[question_id].areas.append(area_id)
    ranked = (
        sa.select(Post.question_id, Post.organisation_id,
                  sa.func.row_number().over(partition_by=Post.question_id,
                                            order_by=(Post.created_at, Post.id)).label("rank"))
        .where(Post.question_id.in_(chosen), _expert_advice())
        .subquery()
    )
    for question_id, organisation_id in db.session.execute(
        sa.select(ranked.c.question_id, ranked.c.organisation_id).where(ranked.c.rank == 1)
    ):
        questions[question_id].first_organisation_id = organisation_id
    return list(questions.values())


def _names(model, cache=None):
    """Return {id: name} of a model's rows; `cache` (a dict) keeps them for one dashboard."""
    if cache is not None and model in cache:
        return cache[model]
    names = dict(db.session.execute(sa.select(model.id, model.name)).all())
    if cache is not None:
        cache[model] = names
    return names


def _p90(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


@dataclass
class _Group:
    """Figures about a group of questions."""

    questions: list
    now: datetime

    @property
    def asked(self):
        return len(self.questions)

    @cached_property
    def hours(self):
        return [q.hours_to_advice for q in self.questions if q.first_advice_at is not None]

    @property
    def answered(self):
        return sum(q.first_advice_at is not None for q in self.questions)

    def answered_share(self):
        return Cell(self.answered / self.asked if self.asked else None, "share", self.asked)

    def median(self):
        hours = self.hours
        return Cell(statistics.median(hours) if hours else None, "hours", len(hours))

    def p90(self):
        hours = self.hours
        return Cell(_p90(hours) if hours else None, "hours", len(hours))

    def over_norm_share(self):
        over = sum(q.over_norm(self.now) for q in self.questions)
        return Cell(over / self.asked if self.asked else None, "share", self.asked)

    def feedback_rate(self):
        advised = [q for q in self.questions if q.first_advice_at is not None]
        closed = sum(q.status == Status.CLOSED.value for q in advised)
        return Cell(closed / len(advised) if advised else None, "share", len(advised))


# --- the figures, one function each -------------------------------------------------------------------


def questions_per_team(period, filters, now, *, questions=None, cache=None):
    """Questions asked per team, with the share answered, over the norm, and the feedback rate."""
    questions = _load_questions(period.start, period.end, filters) if questions is None else questions
    names = _names(Team, cache)
    groups = {}
    for q in questions:
        groups.setdefault(q.team_id, []).append(q)
    table = Table("teams", _l("Vragen per buurtteam"),
                  [_l("Buurtteam"), _l("Vragen"), _l("Beantwoord"), _l("Boven de norm"), _l("Terugkoppeling")],
                  charts=[Chart(1, unit=str(_l("vragen")))])
    for team_id in sorted(groups, key=lambda t: (t is None, names.get(t, ""))):
        group = _Group(groups[team_id], now)
        table.rows.append([text(names.get(team_id, _l("Zonder buurtteam"))), count(group.asked),
                           group.answered_share(), group.over_norm_share(), group.feedback_rate()])
    return table


def questions_per_area(period, filters, now, *, questions=None, cache=None):
    """Per expertise area: questions asked, share answered, time to first advice, over the norm."""
    questions = _load_questions(period.start, period.end, filters) if questions is None else questions
    names = _names(ExpertiseArea, cache)
    groups = {}
    for q in questions:
        for area_id in q.areas:
            groups.setdefault(area_id, []).append(q)
    table = Table("gebieden", _l("Vragen en tijd tot eerste advies per expertisegebied"),
                  [_l("Expertisegebied"), _l("Vragen"), _l("Beantwoord"), _l("Mediaan (werkuren)"),
                   _l("P90 (werkuren)"), _l("Boven de norm")],
                  charts=[Chart(1, unit=str(_l("vragen"))), Chart(3, unit=str(_l("werkuren")))])
    for area_id in sorted(groups, key=lambda a: names.get(a, "")):
        group = _Group(groups[area_id], now)
        table.rows.append([text(names.get(area_id, "")), count(group.asked), group.answered_share(),
                           group.median(), group.p90(), group.over_norm_share()])
    return table


def first_advice_per_organisation(period, filters, now, *, questions=None, cache=None):
    """Per organisation whose expert gave the first advice: how many, median and p90, over the norm."""
    questions = _load_questions(period.start, period.end, filters) if questions is None else questions
    names = _names(Organisation, cache)
    groups = {}
    for q in questions:
        if q.first_advice_at is not None and q.first_organisation_id is not None:
            groups.setdefault(q.first_organisation_id, []).append(q)
    table = Table("eerste-advies", _l("Tijd tot eerste advies per organisatie"),
                  [_l("Organisatie"), _l("Eerste adviezen"), _l("Mediaan (werkuren)"), _l("P90 (werkuren)"),
                   _l("Boven de norm")],
                  charts=[Chart(2, unit=str(_l("werkuren")))])
    for org_id in sorted(groups, key=lambda o: names.get(o, "")):
        group = _Group(groups[org_id], now)
        table.rows.append([text(names.get(org_id, "")), count(group.asked), group.median(), group.p90(),
                           group.over_norm_share()])
    return table


def unanswered_now(filters, now):
    """Return (open questions without advice now, of which past their norm) under the filters."""
    conditions = _question_conditions(filters) + [Question.status == Status.OPEN.value]
    total, overdue = db.session.execute(
        sa.select(sa.func.count(Question.id),
                  sa.func.coalesce(sa.func.sum(sa.case((Question.advice_due_at <= now, 1), else_=0)), 0))
        .where(*conditions)
    ).one()
    return int(total), int(overdue)


def _closed_conditions(period, filters):
    return _question_conditions(filters) + [
        Question.status == Status.CLOSED.value, Question.closed_at >= period.start, Question.closed_at < period.end,
    ]


def feedback_per_organisation(period, filters, *, cache=None):
    """Of the questions closed in the period, per organisation that advised: outcomes and mean rating."""
    conditions = _closed_conditions(period, filters) + [_expert_advice(), Post.organisation_id.is_not(None)]
    if filters.organisation_id is not None:
        conditions.append(Post.organisation_id == filters.organisation_id)
    outcomes = db.session.execute(
        sa.select(Post.organisation_id, Question.outcome, sa.func.count(sa.distinct(Question.id)))
        .join(Question, Question.id == Post.question_id).where(*conditions)
        .group_by(Post.organisation_id, Question.outcome)
    ).all()
    ratings = db.session.execute(
        sa.select(Post.organisation_id, sa.func.avg(Post.rating), sa.func.count(Post.rating),
                  sa.func.count(sa.distinct(Question.id)))
        .join(Question, Question.id == Post.question_id).where(*conditions)
        .group_by(Post.organisation_id)
    ).all()
    names = _names(Organisation, cache)
    per_org = {}
    for org_id, outcome, n in outcomes:
        per_org.setdefault(org_id, {})[outcome] = int(n)
    table = Table("terugkoppeling", _l("Terugkoppeling per organisatie (vragen afgesloten in de periode)"),
                  [_l("Organisatie"), _l("Afgesloten vragen"), _l("Gevolgd"), _l("Deels gevolgd"),
                   _l("Niet gevolgd"), _l("Gemiddeld cijfer (1–5)")],
                  charts=[Chart(5, unit=str(_l("cijfer")))])
    rating_of = {org_id: (avg, int(rated), int(closed)) for org_id, avg, rated, closed in ratings}
    for org_id in sorted(rating_of, key=lambda o: names.get(o, "")):
        avg, rated, closed = rating_of[org_id]
        outcome = per_org.get(org_id, {})
        table.rows.append([
            text(names.get(org_id, "")), count(closed),
            Cell(outcome.get("followed", 0), "count", closed),  # suppressed below 5 itself or in total
            Cell(outcome.get("partly", 0), "count", closed),
            Cell(outcome.get("not_followed", 0), "count", closed),
            Cell(float(avg) if avg is not None else None, "rating", rated),
        ])
    return table


def pool_utilisation(period, filters, *, cache=None):
    """Per organisation: experts enrolled, experts who advised in the period, advices given."""
    enrolled_query = (
        sa.select(User.organisation_id, sa.func.count(sa.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True), User.organisation_id.is_not(None))
        .group_by(User.organisation_id)
    )
    if filters.area_id is not None:
        enrolled_query = enrolled_query.where(sa.exists().where(
            user_expertise_area.c.user_id == User.id, user_expertise_area.c.expertise_area_id == filters.area_id))
    if filters.organisation_id is not None:
        enrolled_query = enrolled_query.where(User.organisation_id == filters.organisation_id)
    enrolled = dict(db.session.execute(enrolled_query).all())
    advice_conditions = _question_conditions(Filters(filters.team_id, None, filters.area_id)) + [
        _expert_advice(), Post.organisation_id.is_not(None),
        Post.created_at >= period.start, Post.created_at < period.end,
    ]
    if filters.organisation_id is not None:
        advice_conditions.append(Post.organisation_id == filters.organisation_id)
    advised = {
        org_id: (int(experts), int(advices))
        for org_id, experts, advices in db.session.execute(
            sa.select(Post.organisation_id, sa.func.count(sa.distinct(Post.author_id)), sa.func.count(Post.id))
            .join(Question, Question.id == Post.question_id).where(*advice_conditions)
            .group_by(Post.organisation_id)
        )
    }
    names = _names(Organisation, cache)
    table = Table("pool", _l("Benutting van de pool per organisatie"),
                  [_l("Organisatie"), _l("Deskundigen aangesloten"), _l("Deskundigen die adviseerden"),
                   _l("Adviezen")],
                  charts=[Chart(2, unit=str(_l("deskundigen")))])
    for org_id in sorted(set(enrolled) | set(advised), key=lambda o: names.get(o, "")):
        experts, advices = advised.get(org_id, (0, 0))
        table.rows.append([text(names.get(org_id, "")), plain(enrolled.get(org_id, 0)), plain(experts),
                           count(advices)])
    return table


def experts_per_area(period, filters, *, questions=None):
    """Per active area: experts enrolled, experts active in the period, questions; too few active flagged."""
    minimum = current_app.config.get("INSIGHTS_MIN_ACTIVE_EXPERTS", 2)
    org_condition = [User.organisation_id == filters.organisation_id] if filters.organisation_id else []
    enrolled = dict(db.session.execute(
        sa.select(user_expertise_area.c.expertise_area_id, sa.func.count(sa.distinct(User.id)))
        .join(User, User.id == user_expertise_area.c.user_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.EXPERT.value, User.active.is_(True), *org_condition)
        .group_by(user_expertise_area.c.expertise_area_id)
    ).all())
    post_conditions = _question_conditions(Filters(filters.team_id, None, None)) + [
        _expert_advice(), Post.created_at >= period.start, Post.created_at < period.end,
    ]
    if filters.organisation_id is not None:
        post_conditions.append(Post.organisation_id == filters.organisation_id)
    active = dict(db.session.execute(
        sa.select(question_expertise_area.c.expertise_area_id, sa.func.count(sa.distinct(Post.author_id)))
        .select_from(Post)
        .join(Question, Question.id == Post.question_id)
        .join(question_expertise_area, question_expertise_area.c.question_id == Question.id)
        .join(user_expertise_area, sa.and_(
            user_expertise_area.c.user_id == Post.author_id,
            user_expertise_area.c.expertise_area_id == question_expertise_area.c.expertise_area_id))
        .where(*post_conditions)
        .group_by(question_expertise_area.c.expertise_area_id)
    ).all())
    questions = _load_questions(period.start, period.end, filters) if questions is None else questions
    asked = {}
    for q in questions:
        for area_id in q.areas:
            asked[area_id] = asked.get(area_id, 0) + 1
    areas = db.session.execute(
        sa.select(ExpertiseArea.id, ExpertiseArea.name).where(ExpertiseArea.active.is_(True))
        .order_by(ExpertiseArea.name)
    ).all()
    table = Table("deskundigen-per-gebied", _l("Actieve deskundigen per expertisegebied"),
                  [_l("Expertisegebied"), _l("Deskundigen aangesloten"), _l("Deskundigen actief"),
                   _l("Vragen"), _l("Signaal")],
                  charts=[Chart(2, unit=str(_l("deskundigen")))],
                  note=str(_l("Te weinig: minder dan %(n)d deskundigen adviseerden in de periode.", n=minimum)))
    for area_id, name in areas:
        if filters.area_id is not None and area_id != filters.area_id:
            continue
        n_active = int(active.get(area_id, 0))
        table.rows.append([text(name), plain(enrolled.get(area_id, 0)), plain(n_active),
                           count(asked.get(area_id, 0)),
                           text(_l("Te weinig actieve deskundigen") if n_active < minimum else _l("Voldoende"))])
    return table


def _budget_months(period):
    """Return how many months of budget the period covers (each month pro rata by its days)."""
    months, day = 0.0, _month_start(period.first)
    while day <= period.last:
        following = _add_months(day, 1)
        covered = (min(period.last, following - timedelta(days=1)) - max(period.first, day)).days + 1
        months += covered / (following - day).days
        day = following
    return months


def consultation_figures(period, filters):
    """Return (meetings held, items discussed, table of minutes per organisation against budget)."""
    meeting_conditions = [Meeting.meeting_date >= period.first, Meeting.meeting_date <= period.last,
                          Meeting.status == MeetingStatus.HELD.value]
    if filters.team_id is not None:
        meeting_conditions.append(sa.exists().where(consultation_team.c.consultation_id == Meeting.consultation_id,
                                                    consultation_team.c.team_id == filters.team_id))
    held = db.session.scalar(sa.select(sa.func.count(Meeting.id)).where(*meeting_conditions))
    item_conditions = meeting_conditions + [AgendaItem.status == ItemStatus.DISCUSSED.value]
    if filters.area_id is not None:
        item_conditions.append(sa.exists().where(
            question_expertise_area.c.question_id == AgendaItem.question_id,
            question_expertise_area.c.expertise_area_id == filters.area_id))
    discussed = db.session.scalar(
        sa.select(sa.func.count(AgendaItem.id)).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(*item_conditions))
    minute_conditions = meeting_conditions + [Attendance.present.is_(True), Attendance.organisation_id.is_not(None)]
    if filters.organisation_id is not None:
        minute_conditions.append(Attendance.organisation_id == filters.organisation_id)
    minutes = dict(db.session.execute(
        sa.select(Attendance.organisation_id, sa.func.sum(Attendance.minutes))
        .join(Meeting, Meeting.id == Attendance.meeting_id).where(*minute_conditions)
        .group_by(Attendance.organisation_id)
    ).all())
    organisations = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.monthly_budget_minutes)
        .where(sa.or_(Organisation.active.is_(True), Organisation.id.in_(list(minutes))))
        .order_by(Organisation.name)
    ).all()
    months = _budget_months(period)
    table = Table("overleg", _l("Wekelijks overleg: minuten per organisatie tegen het budget"),
                  [_l("Organisatie"), _l("Minuten aanwezig"), _l("Budget (minuten)"), _l("Boven het budget")],
                  charts=[Chart(1, unit=str(_l("minuten")))])
    for org_id, name, monthly in organisations:
        if filters.organisation_id is not None and org_id != filters.organisation_id:
            continue
        used = int(minutes.get(org_id) or 0)
        budget = round(monthly * months)
        table.rows.append([text(name), plain(used), plain(budget),
                           text(_l("ja") if used > budget else _l("nee"))])
    return int(held or 0), int(discussed or 0), table


def trend_months(period):
    """Return the twelve month periods that end with the period's last month."""
    last = _month_start(period.last)
    return [month_period(d.year, d.month) for d in (_add_months(last, -k) for k in range(TREND_MONTHS - 1, -1, -1))]


def trends(period, filters, now):
    """Per month (twelve, ending with the period's last month): questions, median hours, feedback rate.

    Reads three columns of the twelve months' questions (no areas, no posts): the trend costs one
    light query whatever the period.
    """
    months = trend_months(period)
    rows = db.session.execute(
        sa.select(Question.published_at, Question.first_advice_at, Question.status)
        .where(*_question_conditions(filters), Question.published_at >= months[0].start,
               Question.published_at < months[-1].end)
    ).all()
    starts = [month.start for month in months]
    per_month = [[] for _ in months]
    for published_at, first_advice_at, status in rows:
        per_month[bisect.bisect_right(starts, published_at) - 1].append(
            _Question(0, None, Urgency.NORMAL.value, published_at, first_advice_at, status, None))
    table = Table("trends", _l("Verloop per maand"),
                  [_l("Maand"), _l("Vragen"), _l("Mediaan tot eerste advies (werkuren)"), _l("Terugkoppeling")],
                  charts=[Chart(1, "line", str(_l("vragen"))), Chart(2, "line", str(_l("werkuren"))),
                          Chart(3, "line", "%")])
    for month, questions in zip(months, per_month):
        group = _Group(questions, now)
        table.rows.append([text(local_month(month.first)), count(group.asked), group.median(),
                           group.feedback_rate()])
    return table


def follow_up_figures(period, filters):
    """Of the follow-ups answered in the period: how many, share improved, share with a referral avoided.

    The referral share counts the answers "avoided" among "avoided" and "not avoided"
    ("unknown" is left out); each rests on its own number of answers.
    """
    from .models import FollowUp, Referral, Situation

    answered, improved, avoided, known = db.session.execute(
        sa.select(
            sa.func.count(FollowUp.id),
            sa.func.coalesce(sa.func.sum(sa.case((FollowUp.situation == Situation.IMPROVED.value, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((FollowUp.referral == Referral.AVOIDED.value, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((FollowUp.referral != Referral.UNKNOWN.value, 1), else_=0)), 0),
        ).join(Question, Question.id == FollowUp.question_id)
        .where(*_question_conditions(filters), FollowUp.answered_at >= period.start, FollowUp.answered_at < period.end)
    ).one()
    answered, improved, avoided, known = int(answered), int(improved), int(avoided), int(known)
    return (count(answered), Cell(improved / answered if answered else None, "share", answered),
            Cell(avoided / known if known else None, "share", known))


def overview(period, filters, now, *, questions=None, consultation=None):
    """The headline figures of the period in one table."""
    questions = _load_questions(period.start, period.end, filters) if questions is None else questions
    group = _Group(questions, now)
    open_now, overdue_now = unanswered_now(filters, now)
    held, discussed, _table = consultation_figures(period, filters) if consultation is None else consultation
    table = Table("overzicht", _l("Overzicht"), [_l("Cijfer"), _l("Waarde")])
    table.rows = [
        [text(_l("Vragen gesteld")), count(group.asked)],
        [text(_l("Beantwoord")), group.answered_share()],
        [text(_l("Tijd tot eerste advies, mediaan (werkuren)")), group.median()],
        [text(_l("Tijd tot eerste advies, p90 (werkuren)")), group.p90()],
        [text(_l("Boven de norm")), group.over_norm_share()],
        [text(_l("Terugkoppeling (afgesloten van de geadviseerde vragen)")), group.feedback_rate()],
        [text(_l("Nu onbeantwoord")), count(open_now)],
        [text(_l("Nu onbeantwoord en over de norm")), count(overdue_now)],
        [text(_l("Overleggen gehouden")), plain(held)],
        [text(_l("Agendapunten besproken")), plain(discussed)],
    ]
    answered, improved, avoided = follow_up_figures(period, filters)
    table.rows += [
        [text(_l("Vervolgvragen beantwoord")), answered],
        [text(_l("Vervolg: situatie verbeterd")), improved],
        [text(_l("Vervolg: verwijzing voorkomen")), avoided],
        [text(_l("Vraag niet gesteld, antwoord gevonden (kennisbank)")), count(answers_found(period, filters))],
    ]
    return table


def answers_found(period, filters):
    """How often a family worker found the answer in the knowledge base and did not ask (per team, area).

    Counted when someone presses "Ja, ik hoef mijn vraag niet te stellen" on a case
    (`knowledge.service.record_answer_found`). The team filter is the finder's team, the
    area filter the case's areas; an organisation filter does not apply (nobody advised).
    """
    from ..knowledge.models import AnswerFound, case_summary_area

    query = sa.select(sa.func.count(AnswerFound.id)).where(AnswerFound.found_at >= period.start,
                                                            AnswerFound.found_at < period.end)
    if filters.team_id is not None:
        query = query.where(AnswerFound.team_id == filters.team_id)
    if filters.area_id is not None:
        query = query.where(AnswerFound.summary_id.in_(
            sa.select(case_summary_area.c.summary_id).where(case_summary_area.c.expertise_area_id == filters.area_id)))
    return int(db.session.scalar(query))


def dashboard(period, filters, now):
    """Return every table of the dashboard, loading the period's questions once."""
    questions = _load_questions(period.start, period.end, filters)
    consultation = consultation_figures(period, filters)
    cache = {}
    tables = [
        overview(period, filters, now, questions=questions, consultation=consultation),
        questions_per_team(period, filters, now, questions=questions, cache=cache),
        questions_per_area(period, filters, now, questions=questions, cache=cache),
        first_advice_per_organisation(period, filters, now, questions=questions, cache=cache),
        feedback_per_organisation(period, filters, cache=cache),
        pool_utilisation(period, filters, cache=cache),
        experts_per_area(period, filters, questions=questions),
        consultation[2],
        trends(period, filters, now),
    ]
    return tables


TABLE_KEYS = ("overzicht", "teams", "gebieden", "eerste-advies", "terugkoppeling", "pool",
              "deskundigen-per-gebied", "overleg", "trends")


def table_by_key(key, period, filters, now):
    """Return one table of the dashboard by its key (for its CSV), or None for an unknown key."""
    makers = {
        "overzicht": lambda: overview(period, filters, now),
        "teams": lambda: questions_per_team(period, filters, now),
        "gebieden": lambda: questions_per_area(period, filters, now),
        "eerste-advies": lambda: first_advice_per_organisation(period, filters, now),
        "terugkoppeling": lambda: feedback_per_organisation(period, filters),
        "pool": lambda: pool_utilisation(period, filters),
        "deskundigen-per-gebied": lambda: experts_per_area(period, filters),
        "overleg": lambda: consultation_figures(period, filters)[2],
        "trends": lambda: trends(period, filters, now),
    }
    maker = makers.get(key)
    return maker() if maker else None


def filter_choices():
    """Return (teams, organisations, areas) as (id, name) lists for the filter form."""
    return (
        db.session.execute(sa.select(Team.id, Team.name).order_by(Team.name)).all(),
        db.session.execute(sa.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all(),
        db.session.execute(sa.select(ExpertiseArea.id, ExpertiseArea.name).order_by(ExpertiseArea.name)).all(),
    )
