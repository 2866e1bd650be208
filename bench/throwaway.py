"""Throwaway databases for the benchmarks: a fresh SQLite file in a temporary folder, or a fresh
PostgreSQL database on the server of a given URL (dropped at the end unless kept)."""

from urllib.parse import urlsplit, urlunsplit


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
