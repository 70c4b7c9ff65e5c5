"""Real-time events (Socket.IO) and notifications (in-app and e-mail).

The public seam for other areas:

- `publish_on_commit(event, payload, room)` queues a Socket.IO event that is
  sent only after the database commit (and dropped on rollback);
- `register_room(kind, check)` lets a domain area open rooms of its own kind
  (`"question"`), with `check(user, object_id) -> bool` deciding who may join;
- `register_question_titles(titles)` lets the questions area name the
  questions a person may see in their notification centre (never in e-mail);
- `mark_question_read(user, question_id, now)` marks a question's
  notifications read when its page is opened;
- `set_following(user, question_id, state, now)`, `following_of(user, question_id)` and
  `followers_of(question_id)`: a person follows a question (hears of every new post) or
  mutes it (`notify` then skips it), after the questions area checked they may see it;
- `notify(user, kind, question_id=..., actor=..., now=...)` records a
  notification, pushes the new unread count and, per the user's preference,
  e-mails a fixed, content-free text after the commit.
"""
from .events import register_room, room_name  # noqa: F401
from .models import Delivery, Following, NotificationKind  # noqa: F401
from .service import (  # noqa: F401
    close_room_on_commit,
    followers_of,
    following_of,
    mail_on_commit,
    mark_question_read,
    notify,
    publish_on_commit,
    register_question_titles,
    set_following,
)
