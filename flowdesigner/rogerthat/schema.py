"""The Rogerthat schema, loaded once, and safe parsing of untrusted XML against it."""

import io
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

import xmlschema

NAMESPACE = "https://rogerth.at/api/1/MessageFlow.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD_PATH = Path(__file__).with_name("MessageFlow.1.xsd")
MAX_XML_BYTES = 2 * 1024 * 1024


@lru_cache(maxsize=1)
def rogerthat_schema() -> xmlschema.XMLSchema:
    """The XSD with xs:ID/xs:IDREF read as plain strings.

    Rogerthat's own designer writes ids such as "base64:eyJ...", which are not XML NCNames, so a
    strict ID check would refuse real exports. We keep such ids as given and check uniqueness
    and references ourselves, with errors naming the element (see xml_import).
    """
    text = XSD_PATH.read_text(encoding="utf-8-sig")
    text = text.replace('type="xs:IDREF"', 'type="xs:string"').replace('type="xs:ID"', 'type="xs:string"')
    return xmlschema.XMLSchema(text)


def parse(data: bytes) -> tuple[object, list[str]]:
    """Parse untrusted XML (no DTDs, no entities, no network) and validate it.

    Returns (element tree root, schema errors). Raises ValueError for unparseable input.
    """
    if len(data) > MAX_XML_BYTES:
        raise ValueError(f"The file is larger than {MAX_XML_BYTES // 1024 // 1024} MiB.")
    try:
        # A file object, never the bytes themselves: given bytes that do not start like XML ("hello"),
        # xmlschema takes them for a file name or URL, and its error named the server's directory.
        # defuse="always": a DTD or entity declaration (billion laughs, XXE) is refused outright.
        resource = xmlschema.XMLResource(io.BytesIO(data), defuse="always", allow="none")
    except Exception as exc:  # noqa: BLE001 (xmlschema raises several parser error types)
        raise ValueError(f"This is not well-formed XML: {without_paths(str(exc))}") from None
    errors = []
    for error in rogerthat_schema().iter_errors(resource):
        where = error.path or "document"
        errors.append(without_paths(f"{where}: {error.reason}"))
        if len(errors) >= 20:
            break
    return resource.root, errors


def without_paths(message: str) -> str:
    """The message without file: URLs and without this server's directories (the installation, the
    Python environment), which an error shown to a user must not reveal."""
    message = _FILE_URL.sub("<file>", message)
    for directory in _server_directories():
        message = message.replace(directory, "<server>")
    return message


_FILE_URL = re.compile(r"file:[^\s'\"<>()]*", re.IGNORECASE)


@lru_cache(maxsize=1)
def _server_directories() -> tuple[str, ...]:
    found = {str(Path(__file__).resolve().parents[2]), sys.prefix, sys.base_prefix, os.getcwd()}
    # Longest first, so a directory inside another is replaced whole.
    return tuple(sorted((d for d in found if len(d) > 1), key=len, reverse=True))
