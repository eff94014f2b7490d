# Unit tests of the service; kept out of the image by .dockerignore.
from csmcp import healthcheck


def test_no_database_configured_is_ok(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert healthcheck.database_ok()
