"""The demo world is complete and seeding it twice changes nothing."""
from expertise.accounts.models import ExpertiseArea, Organisation, Role, Team, User
from expertise.demo import DEMO_PASSWORD
from expertise.extensions import db


def _counts():
    return [db.session.scalar(db.select(db.func.count(m.id))) for m in (Organisation, Team, ExpertiseArea, User)]


def test_seed_demo_is_idempotent_and_prints_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert _counts() == counts
    assert counts[0] == 5 and counts[1] == 18 and counts[2] == 10
    assert DEMO_PASSWORD in second.output and "beheerder@demo.test" in second.output
    roles = set().union(*(u.roles for u in db.session.scalars(db.select(User))))
    assert roles == set(Role)


def test_seed_demo_if_empty_leaves_a_used_database_alone(app, cast):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in result.output
    assert db.session.scalar(db.select(db.func.count(Organisation.id))) == 2


def test_every_demo_account_logs_in(app, login):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for user in db.session.scalars(db.select(User)):
        client = login(None)
        client.login(user, DEMO_PASSWORD)
        assert client.get("/").status_code == 200


def test_seed_demo_adds_open_questions_an_advice_and_published_cases_once(app):
    from expertise.knowledge.models import CaseSummary
    from expertise.questions.models import Post, Question

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    questions = db.session.scalars(db.select(Question)).all()
    assert len(questions) == 5
    assert sorted(q.status for q in questions) == ["advised", "closed", "closed", "open", "open"]
    assert db.session.scalar(db.select(db.func.count(Post.id))) == 3  # one advice, and one per closed case
    summaries = db.session.scalars(db.select(CaseSummary)).all()
    assert len(summaries) == 2 and {s.status for s in summaries} == {"published"}


def test_seed_demo_gives_family_workers_key_pairs_and_prints_a_recovery_kit_once(app, login):
    from expertise.vault.models import RecoveryKey, UserKey

    first = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "EPR1-" in first.output
    second = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "EPR1-" not in second.output
    assert db.session.scalar(db.select(db.func.count(RecoveryKey.id))) == 1
    workers = [u for u in db.session.scalars(db.select(User)) if u.has_role(Role.FAMILY_WORKER)]
    assert workers and all(db.session.get(UserKey, u.id) is not None for u in workers)
    client = login(None)
    client.login(workers[0], DEMO_PASSWORD)
    response = client.post("/bewoners/nieuw", {"name": "Demo Kind", "date_of_birth": "2015-02-03"})
    assert response.status_code == 302


def test_seed_demo_adds_one_weekly_consultation_once(app):
    from expertise.consultations.models import Consultation, Meeting

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    meetings = db.session.scalar(db.select(db.func.count(Meeting.id)))
    runner.invoke(args=["seed-demo"])
    [series] = db.session.scalars(db.select(Consultation)).all()
    assert len(series.teams) == 4 and len(series.experts) == 2
    assert db.session.scalar(db.select(db.func.count(Meeting.id))) == meetings > 0


def test_seed_demo_makes_the_coordinator_a_triage_worker_with_one_assigned_question_once(app):
    from expertise.accounts.models import User
    from expertise.consultations.models import Assignment

    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(db.select(User).filter_by(email="coordinator@demo.test")).triage_worker
    [assignment] = db.session.scalars(db.select(Assignment)).all()
    assert assignment.status == "assigned" and assignment.expert.email == "deskundige2@demo.test"
    assert assignment.question.title == "Ouders oneens over grenzen stellen"
