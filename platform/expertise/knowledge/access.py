"""Who may open which summary; 404 for missing and forbidden alike."""
from flask import abort

from ..extensions import db
from .models import CaseSummary, SummaryStatus


def access_published_summary(user, summary_id):
    """Return a published summary: every reader role (the view checks the role) sees it, nothing else."""
    summary = db.session.get(CaseSummary, summary_id)
    if summary is None or not summary.is_published:
        abort(404)
    return summary


def access_own_summary(user, summary_id):
    """Return a summary offered by `user` (any state): an unpublished one is nobody else's to see."""
    summary = db.session.get(CaseSummary, summary_id)
    if summary is None or summary.owner_id != user.id:
        abort(404)
    return summary


def access_reviewable_summary(user, summary_id):
    """Return a summary a moderator may review: submitted or published; drafts and rejected ones are the owner's."""
    summary = db.session.get(CaseSummary, summary_id)
    if summary is None or summary.status not in (SummaryStatus.SUBMITTED, SummaryStatus.PUBLISHED):
        abort(404)
    return summary
