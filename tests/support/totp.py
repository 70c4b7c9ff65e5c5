"""Compute the second factor as an authenticator app would, for tests and the browser journeys.

The server refuses a code of a time step at or before the last one it
accepted (replay). A person never logs in twice within one 30-second step,
but tests do; `code_after` therefore gives the code of the current step,
or of the next one (the server accepts one step either side), or None when
both are used. The previous step is never chosen: at a step boundary the
server may already be a step further and refuse it.
"""
import time

import pyotp
import sqlalchemy as sa

STEP = 30


def current_step(now=None):
    return int(now if now is not None else time.time()) // STEP


def code_at(secret, step):
    return pyotp.TOTP(secret).generate_otp(step)


def code_after(secret, last_step, now=None):
    """Return (code, step) for the first acceptable step after `last_step`, or (None, None)."""
    current = current_step(now)
    for step in (current, current + 1):
        if last_step is None or step > last_step:
            return code_at(secret, step), step
    return None, None


def clear_replay_guard(engine, user_filter):
    """Forget the last accepted step of the users matching `user_filter` (test data, not the check)."""
    from expertise.accounts.models import User

    with engine.begin() as connection:
        connection.execute(sa.update(User).where(user_filter).values(totp_last_step=None))


class DemoAuthenticator:
    """The authenticator app of the demo accounts of one live server (secrets printed by seed-demo).

    With the server's `database_url`, a person whose acceptable codes are all
    used gets the server's replay guard cleared instead of waiting up to a
    minute for the next step (as `totp_code` does in-process): this changes
    test data, not the check, which the two-factor tests exercise themselves.
    """

    def __init__(self, secrets, database_url=None):
        self.secrets = dict(secrets)
        self.last_step = {}
        self.database_url = database_url

    def code(self, email):
        """Return a fresh code for this account (clearing the replay guard, or waiting, when all are used)."""
        while True:
            code, step = code_after(self.secrets[email], self.last_step.get(email))
            if code is not None:
                self.last_step[email] = step
                return code
            if self.database_url:
                self._clear_replay_guard(email)
                self.last_step.pop(email, None)
            else:
                time.sleep(1)

    def _clear_replay_guard(self, email):
        from expertise.accounts.models import User

        engine = sa.create_engine(self.database_url)
        try:
            clear_replay_guard(engine, User.email == email)
        finally:
            engine.dispose()


# The authenticator of each live server, by base URL (filled by AppServer.start).
AUTHENTICATORS = {}
