"""The notification centre, its JSON feed for reconnecting pages, and e-mail settings."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.forms import ActionForm
from ..core.params import int_arg
from ..core.time import utcnow
from ..extensions import db
from . import service
from .forms import preferences_form

bp = Blueprint("realtime", __name__)


@bp.app_context_processor
def _unread_counter():
    """Give the pages the unread count for the header (None when logged out) and the unread questions."""

    def unread_notification_count():
        if not current_user.is_authenticated:
            return None
        return service.unread_count(current_user)

    def unread_question_ids(question_ids):
        if not current_user.is_authenticated:
            return set()
        return service.unread_question_ids(current_user, question_ids)

    return {"unread_notification_count": unread_notification_count, "unread_question_ids": unread_question_ids}


def _items(notifications):
    """Return what the list shows per notification: the fixed text, the title if still visible, a link."""
    titles = service.question_titles(current_user, [n.question_id for n in notifications])
    return [
        {
            "notification": n,
            "text": service.notification_text(n.kind, n.question_id),
            "title": titles.get(n.question_id),
            "url": service.notification_path(n),
        }
        for n in notifications
    ]


@bp.route("/meldingen")
@login_required
def notifications():
    """Show the person's notifications, newest first, with a mark-as-read button each."""
    items = _items(service.recent_notifications(current_user))
    return render_template(
        "realtime/notifications.html",
        items=items,
        unread=service.unread_count(current_user),
        form=ActionForm(),
    )


@bp.route("/meldingen.json")
@login_required
def notifications_json():
    """Return notifications after id `since` (what a reconnecting page missed), identity-free."""
    since = int_arg("since")
    limit = min(max(int_arg("limit", 100), 0), 100)
    form = ActionForm()
    rows = service.recent_notifications(current_user, since=since, limit=limit) if limit else []
    return jsonify(
        unread=service.unread_count(current_user),
        notifications=[
            {
                "id": item["notification"].id,
                "kind": item["notification"].kind,
                "question_id": item["notification"].question_id,
                "read": item["notification"].is_read,
                "text": item["text"],
                "url": item["url"],
                "html": render_template("realtime/_notification.html", item=item, form=form),
            }
            for item in _items(rows)
        ],
    )


@bp.route("/meldingen/<int:notification_id>/gelezen", methods=["POST"])
@login_required
def mark_read(notification_id):
    """Mark one notification as read."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    notification = service.access_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    service.mark_read(current_user, notification, utcnow())
    db.session.commit()
    return redirect(url_for("realtime.notifications"))


@bp.route("/meldingen/alles-gelezen", methods=["POST"])
@login_required
def mark_all_read():
    """Mark all of the person's notifications as read."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    service.mark_all_read(current_user, utcnow())
    db.session.commit()
    return redirect(url_for("realtime.notifications"))


@bp.route("/meldingen/instellingen", methods=["GET", "POST"])
@login_required
def preferences():
    """Let the person choose per kind: e-mail immediately, a daily digest, or none."""
    kinds = service.kinds_for(current_user)
    form = preferences_form(kinds, service.preferences_of(current_user))
    if form.validate_on_submit():
        service.set_preferences(current_user, {kind: field.data for kind, field in form.kind_fields})
        db.session.commit()
        flash(_("Je instellingen voor meldingen zijn opgeslagen."), "success")
        return redirect(url_for("realtime.preferences"))
    return render_template("realtime/preferences.html", form=form)

