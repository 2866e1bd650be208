"""The Rogerthat schema, loaded once, and safe parsing of untrusted XML against it."""

import io
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import xmlschema

NAMESPACE = "https://rogerth.at/api/1/MessageFlow.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD_PATH = Path(__file__).with_name("MessageFlow.1.xsd")
MAX_XML_BYTES = 2 * 1024 * 1024
MAX_SCHEMA_ERRORS = 20

# Attributes the XSD requires but that Rogerthat's own designer leaves out (its parser is lenient): they
# are optional here and defaulted by the importer, which reports each default as a warning.
LENIENT_ATTRIBUTES = (
    # definition@language and memberRun@language (one declaration text for both)
    ('<xs:attribute name="language" use="required" type="xs:string" />', 2),
    ('<xs:attribute name="appId" use="required" type="xs:string" />', 1),
    ('<xs:attribute name="ratio" type="xs:string" use="required" />', 1),
)


@dataclass
class Parsed:
    """A parsed document: its root (every element in the Rogerthat namespace) and the schema errors."""

    root: object
    errors: list[tuple[object, str]]
    # False when the file's root had no XML namespace (real exports often have none).
    namespaced: bool


@lru_cache(maxsize=1)
def rogerthat_schema() -> xmlschema.XMLSchema:
    """The XSD with xs:ID/xs:IDREF read as plain strings and the attributes of LENIENT_ATTRIBUTES optional.

    Rogerthat's own designer writes ids such as "base64:eyJ..." (some with spaces), which are not XML
    NCNames, so a strict ID check would refuse real exports. We keep such ids as given and check
    uniqueness and references ourselves, with errors naming the element (see xml_import).
    """
    text = XSD_PATH.read_text(encoding="utf-8-sig")
    text = text.replace('type="xs:IDREF"', 'type="xs:string"').replace('type="xs:ID"', 'type="xs:string"')
    for declaration, count in LENIENT_ATTRIBUTES:
        # A changed XSD must not silently make these attributes strict again.
        assert text.count(declaration) == count, declaration
        text = text.replace(declaration, declaration.replace('use="required"', 'use="optional"'))
    return xmlschema.XMLSchema(text)


def parse(data: bytes) -> Parsed:
    """Parse untrusted XML (no DTDs, no entities, no network) and validate it.

    A root without a namespace (as Rogerthat's designer often writes) is read as if it had the Rogerthat
    namespace, so such a file is validated element by element like any other. Raises ValueError for
    unparseable input.
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
    root = resource.root
    namespaced = root.tag.startswith("{")
    if namespaced:
        source, namespaces = resource, None
    else:
        for element in root.iter():
            if isinstance(element.tag, str) and not element.tag.startswith("{"):
                element.tag = f"{{{NAMESPACE}}}{element.tag}"
        # xsi:type="TextLineWidget" then names a type of the Rogerthat namespace, as the default one.
        source, namespaces = root, {"": NAMESPACE, "xsi": XSI}
    errors = []
    for error in rogerthat_schema().iter_errors(source, namespaces=namespaces):
        reason = (error.reason or str(error)).replace(f"{{{NAMESPACE}}}", "")
        errors.append((error.elem, without_paths(reason)))
        if len(errors) >= MAX_SCHEMA_ERRORS:
            break
    return Parsed(root, errors, namespaced)


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
