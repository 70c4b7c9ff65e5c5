"""gunicorn settings for test and benchmark servers: each worker says when it has loaded the app.

gunicorn's master accepts connections before its workers have imported the app
(seconds on a busy machine), so an open port does not mean a server that answers.
`GunicornServer.start` waits for one "worker ready" line per worker in the log.
"""
READY = "worker ready"


def post_worker_init(worker):
    worker.log.info("%s (pid %s)", READY, worker.pid)
