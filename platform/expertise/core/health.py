"""`GET /gezondheid`: whether this process can serve, and whether its checks can run.

For monitoring and load balancers; open to anyone and holds nothing but states and counts
(no text, no person, no path). HTTP 200 while the process serves; `status` is "degraded" when
a dependency the checks need is away (the deduce worker: posts it should check are held for a
moderator meanwhile, see moderation.service.check_text).
"""
from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.route("/gezondheid")
def health():
    from ..moderation import deduce_worker

    socket = current_app.config.get("DEDUCE_SOCKET")
    deduce = {"configured": bool(socket)}
    if socket:
        deduce["available"] = deduce_worker.probe(socket, current_app.config.get("DEDUCE_TIMEOUT", 0.5))
        deduce["fallbacks"] = deduce_worker.fallbacks()
    status = "degraded" if socket and not deduce["available"] else "ok"
    response = jsonify({"status": status, "deduce": deduce})
    response.headers["Cache-Control"] = "no-store"
    return response
