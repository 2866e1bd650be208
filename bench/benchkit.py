"""What the benchmarks share: a flow of any size (a chain of message steps), throwaway databases (a
SQLite file in a temporary folder, or a fresh PostgreSQL database on the server of a given URL, dropped at
the end unless kept) and stopping the worker processes they start."""

import os
import signal
import subprocess
from urllib.parse import urlsplit, urlunsplit


def use_databases(tmp: str, *, database_url: str, redis_url: str, pg_database: str) -> None:
    """Point this process (and the servers it starts) at a throwaway database before Django is set up:
    SQLite in `tmp` without `database_url`, else a fresh `pg_database` on that PostgreSQL server; Redis
    as the channel layer with `redis_url` (scale mode)."""
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    if database_url:
        os.environ["DATABASE_URL"] = pg_create(database_url, pg_database)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")


def pg_create(server_url: str, name: str) -> str:
    """Create a fresh database `name` on the server of `server_url` (dropping a leftover one); its URL."""
    with _pg_admin(server_url, name) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def pg_drop(server_url: str, name: str) -> None:
    with _pg_admin(server_url, name) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _pg_admin(server_url: str, name: str):
    import psycopg

    parts = urlsplit(server_url)
    maintenance = parts.path.lstrip("/")
    if maintenance in ("", name):
        maintenance = "postgres"
    return psycopg.connect(urlunsplit(parts._replace(path=f"/{maintenance}")), autocommit=True)


def start(command: list[str], *, cwd, log, env: dict | None = None) -> subprocess.Popen:
    """Start a server or worker process in its own session (so `stop` can kill its group), with this
    process's environment (or `env`), its output appended to the file `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=os.environ.copy() if env is None else env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM (a worker finishes its batch), then kill its process group if it does not exit."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def chain_definition(elements: int, tag_id: int) -> dict:
    """A flow of `elements` nodes (at least 3): the audience, a chain of message steps, an exit. Each step
    has a templated text and two buttons, both leading on."""
    count = max(elements - 2, 1)
    nodes: list[dict] = [
        {
            "id": "audience",
            "type": "predefined_audience",
            "config": {"tags": [tag_id]},
            "exits": {"next": "m1"},
        }
    ]
    for i in range(1, count + 1):
        following = f"m{i + 1}" if i < count else "done"
        nodes.append(
            {
                "id": f"m{i}",
                "type": "message",
                "config": {
                    "text": f"Hi {{{{ person.first_name|default('friend') }}}}, step {i} of {count}: "
                    "shall we go on?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "later", "caption": "Later"}],
                },
                "exits": {"yes": following, "later": following},
            }
        )
    nodes.append({"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}})
    return {"spec_version": 1, "nodes": nodes}
