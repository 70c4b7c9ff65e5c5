"""A built world with known answers for the insights figures (April 2026, Europe/Amsterdam).

Buurtteam Zuilen (anna) asks seven questions in April in GGZ, Eva (Altrecht) advises five;
Buurtteam Overvecht (bram) asks two in Opvoeding, Olaf (Youké) advises one. Two more
questions fall just outside April (the last half hour of 31 March and the first ten
minutes of 1 May, local time), which a UTC month would count wrongly.

Working hours to first advice (weekends and Dutch public holidays do not count):
  Q1 Thu 2 Apr 16:00 → Tue 7 Apr 10:00   8 + 0 (Good Friday, weekend, Easter Monday) + 10 = 18
  Q2 Fri 24 Apr 18:00 → Tue 28 Apr 06:00  6 + 0 (weekend, King's Day) + 6 = 12
  Q3 Wed 8 Apr 10:00 → 12:00              2
  Q4 Mon 13 Apr 09:00 → Thu 16 Apr 09:00  72 (over the norm of 48)
  Q5 Tue 14 Apr 10:00 urgent → Wed 15 Apr 12:00  26 (over the urgent norm of 24)
  Q6 Wed 1 Apr 00:30, no advice: past its norm now
  Q8 Thu 30 Apr 23:59, no advice: 36 working hours by NOW, within the norm
  B1 Mon 20 Apr 10:00 → 15:00            5
  B2 Tue 21 Apr 10:00, no advice: past its norm now
Zuilen closes Q1–Q5 on 29 April: followed, partly, followed, not followed, followed;
ratings 4, 5, 3, 2, 5 (mean 3,8).
"""
from datetime import datetime, timezone

from expertise.core.time import AMSTERDAM
from expertise.extensions import db
from expertise.questions import service as questions

from .. import factories


def ams(*args):
    return datetime(*args, tzinfo=AMSTERDAM).astimezone(timezone.utc)


NOW = ams(2026, 5, 4, 12, 0)  # Monday


def build(cast):
    ggz, opvoeding = cast.eva.expertise_areas[0], cast.olaf.expertise_areas[0]
    made = {}

    def ask(name, owner, area, when, urgency="normal"):
        made[name] = factories.make_question(owner, areas=[area], now=when, urgency=urgency,
                                             title=f"Vraag {name}")

    def advise(name, expert, when):
        made[name + "-advice"] = factories.make_post(expert, made[name], "Een advies.", now=when)

    ask("Q1", cast.anna, ggz, ams(2026, 4, 2, 16, 0))
    advise("Q1", cast.eva, ams(2026, 4, 7, 10, 0))
    ask("Q2", cast.anna, ggz, ams(2026, 4, 24, 18, 0))
    advise("Q2", cast.eva, ams(2026, 4, 28, 6, 0))
    ask("Q3", cast.anna, ggz, ams(2026, 4, 8, 10, 0))
    advise("Q3", cast.eva, ams(2026, 4, 8, 12, 0))
    ask("Q4", cast.anna, ggz, ams(2026, 4, 13, 9, 0))
    advise("Q4", cast.eva, ams(2026, 4, 16, 9, 0))
    ask("Q5", cast.anna, ggz, ams(2026, 4, 14, 10, 0), urgency="urgent")
    advise("Q5", cast.eva, ams(2026, 4, 15, 12, 0))
    ask("Q6", cast.anna, ggz, ams(2026, 4, 1, 0, 30))
    ask("Q7", cast.anna, ggz, ams(2026, 3, 31, 23, 30))
    ask("Q8", cast.anna, ggz, ams(2026, 4, 30, 23, 59))
    ask("Q9", cast.anna, ggz, ams(2026, 5, 1, 0, 10))
    ask("B1", cast.bram, opvoeding, ams(2026, 4, 20, 10, 0))
    advise("B1", cast.olaf, ams(2026, 4, 20, 15, 0))
    ask("B2", cast.bram, opvoeding, ams(2026, 4, 21, 10, 0))
    closing = ams(2026, 4, 29, 12, 0)
    for name, outcome, rating in [("Q1", "followed", 4), ("Q2", "partly", 5), ("Q3", "followed", 3),
                                  ("Q4", "not_followed", 2), ("Q5", "followed", 5)]:
        questions.close_question(cast.anna, made[name], outcome=outcome, explanation="Besproken met ouders.",
                                 ratings={made[name + "-advice"].id: rating}, now=closing)
    _consultation(cast, made)
    db.session.commit()
    return made


def _consultation(cast, made):
    """A consultation for Zuilen held on 9 April (Eva 90 minutes, Olaf 60) and on 26 March.

    Two items discussed on 9 April (Q3, Q4), one rolled over; Youké's budget is 30 minutes a month.
    """
    from datetime import time, timedelta

    from expertise.consultations.models import AgendaItem, Attendance, Consultation, Meeting

    series = Consultation(name="Overleg Zuilen", coordinator_id=cast.cas.id, weekday=3, start_time=time(14, 0),
                          starts_on=ams(2026, 3, 1).date(), teams=[cast.anna.team])
    db.session.add(series)
    db.session.flush()
    for day, held in [((2026, 4, 9), True), ((2026, 3, 26), True), ((2026, 4, 16), False)]:
        start = ams(*day, 14, 0)
        meeting = Meeting(consultation_id=series.id, meeting_date=start.astimezone(AMSTERDAM).date(),
                          starts_at=start, ends_at=start + timedelta(minutes=90),
                          status="held" if held else "cancelled")
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all([
            Attendance(meeting_id=meeting.id, user_id=cast.eva.id, organisation_id=cast.eva.organisation_id,
                       present=True, minutes=90),
            Attendance(meeting_id=meeting.id, user_id=cast.olaf.id, organisation_id=cast.olaf.organisation_id,
                       present=True, minutes=60),
        ])
        for name, status in [("Q3", "discussed"), ("Q4", "discussed"), ("Q6", "rolled_over")]:
            db.session.add(AgendaItem(meeting_id=meeting.id, question_id=made[name].id, status=status))
    cast.olaf.organisation.monthly_budget_minutes = 30
