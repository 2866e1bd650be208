"""The knobs of SFTP Import, read when used (so tests can override them with override_settings)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def poll_seconds() -> float:
    """How long after one look at the folder the next one is due (the seed: every 3 minutes)."""
    value = settings.SFTP_POLL_SECONDS
    if value <= 0:
        raise ImproperlyConfigured(f"SFTP_POLL_SECONDS must be above 0, not {value}")
    return float(value)


def slice_rows() -> int:
    """Rows entered per transaction (their cursor commits with them)."""
    return int(getattr(settings, "SFTP_SLICE_ROWS", 500))


def import_seconds() -> float:
    """How long one import event goes on taking slices before it hands over to its continuation."""
    return float(getattr(settings, "SFTP_IMPORT_SECONDS", 20))


def max_file_bytes() -> int:
    return int(getattr(settings, "SFTP_MAX_FILE_BYTES", 50 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "SFTP_MAX_ROWS", 1_000_000))


def connect_timeout() -> float:
    """Seconds a Test connection or a folder listing may take, connecting included."""
    return float(getattr(settings, "SFTP_CONNECT_TIMEOUT", 10))


def download_timeout() -> float:
    """Seconds a download may take (a 50 MB file over a slow line); the import lease covers it."""
    return float(getattr(settings, "SFTP_DOWNLOAD_TIMEOUT", 120))
