"""A deliberately SQL-injectable app: the positive control for sqlmap. NOT part of the platform.

It concatenates the `q` parameter into an SQLite query, so sqlmap and
wapiti must report it. If a scanner ever stops finding this, it is broken and
its clean verdict on the platform means nothing. Serves on 127.0.0.1 only.

    python -m tests.security.injectable_app PORT
"""
import sqlite3
import sys

from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)
DB = sqlite3.connect(":memory:", check_same_thread=False)
DB.executescript(
    """
    CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);
    INSERT INTO people (name) VALUES ('Anna'), ('Bram'), ('Eva'), ('Olaf');
    """
)


@app.get("/zoek")
def search():
    """List people whose name contains q — by string concatenation, on purpose."""
    query = "SELECT id, name FROM people WHERE name LIKE '%" + request.args.get("q", "") + "%'"
    try:
        rows = DB.execute(query).fetchall()  # nosec B608 - deliberately injectable test app
    except sqlite3.Error as error:
        # Leaks the database error, as careless apps do: wapiti's error-based check needs it.
        return f"sqlite3.OperationalError: {escape(str(error))}", 500
    return "<ul>" + "".join(f"<li>{escape(name)}</li>" for _, name in rows) + "</ul>"


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
