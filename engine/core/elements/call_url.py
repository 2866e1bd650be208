"""Call URL: an HTTP request on the participant's behalf, with "success" and "failure" exits.

On enter the request is rendered (URL, headers and body are templates) and handed out as a CallUrl event;
the participant waits (kind "call") while the Django side makes it behind the SSRF guard, retrying with
backoff, and resumes it with {"node_id", "call": {"ok", "status", "body", "error"}}. The status and
values picked from a JSON response by path go into flow variables.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlsplit

from engine.core import formats, template
from engine.core import variables as flow_variables
from engine.core.elements import CallUrl, Context, ElementType, InvalidReply, Step, Wait, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SUCCESS, FAILURE = "success", "failure"
MAX_TIMEOUT = 30
MAX_RETRIES = 5
MAX_BODY = 100_000
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")
# Headers the transport sets itself; a flow must not forge them.
RESERVED_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[\"([^\"]*)\"\]")

_PAIRS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
        "additionalProperties": False,
    },
}


def parse_path(path: str) -> list[str | int] | None:
    """ "$.data.items[0].name" -> ["data", "items", 0, "name"]; None when it is not such a path."""
    if not path.startswith("$"):
        return None
    parts: list[str | int] = []
    rest = path[1:]
    while rest:
        match = _PATH_PART.match(rest)
        if match is None:
            return None
        name, index, quoted = match.groups()
        parts.append(int(index) if index is not None else (name if name is not None else quoted))
        rest = rest[match.end() :]
    return parts


def pick(document: Any, parts: list[str | int]) -> Any:
    """The value at `parts` in a parsed JSON document, or None when the path leads nowhere."""
    for part in parts:
        if isinstance(part, int) and isinstance(document, list) and part < len(document):
            document = document[part]
        elif isinstance(part, str) and isinstance(document, dict) and part in document:
            document = document[part]
        else:
            return None
    return document


def literal_private_host(url: str) -> bool:
    """Whether a URL names an internal address literally (localhost, 10.x, 127.x, [::1] ...). The Django
    side refuses such URLs at publish unless settings allow them (engine/attributes.py); host names
    that resolve inside the network are refused by the guard at run time."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    return not address.is_global


@register
class CallUrlElement(ElementType):
    type = "call_url"
    label = "Call URL"
    category = "step"
    config_schema = {
        "type": "object",
        "required": ["method", "url"],
        "properties": {
            "method": {"enum": list(METHODS)},
            "url": {"type": "string"},
            "headers": _PAIRS,
            "body_type": {"enum": ["none", "json", "form"]},
            "body": {"type": "string"},
            "form": _PAIRS,
            "timeout_seconds": {"type": "number"},
            "retries": {"type": "integer"},
            "status_variable": {"type": "string"},
            "save": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "variable"],
                    "properties": {"path": {"type": "string"}, "variable": {"type": "string"}},
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {
            "method": "POST",
            "url": "https://",
            "headers": [],
            "body_type": "json",
            "body": '{"person": {{ person.id }}}',
            "timeout_seconds": 10,
            "retries": 2,
            "save": [],
        }

    def exits(self, config: dict) -> list[str]:
        return [SUCCESS, FAILURE]

    def unwired_message(self, config: dict, exit_name: str) -> str:
        return f'The "{exit_name}" exit of the call is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        config = node.config
        issues: list[Issue] = []

        def add(code: str, message: str, field: str) -> None:
            issues.append(Issue(code, message, node.id, field))

        url = config["url"]
        if problem := template.check(url):
            add("bad_template", f"The URL is not a valid template: {problem}", "config.url")
        elif "{" not in url and not formats.is_web_url(url):
            add("invalid_url", "Write an http:// or https:// address with a host name", "config.url")
        for i, header in enumerate(config.get("headers", [])):
            if not HEADER_NAME.fullmatch(header["name"]) or header["name"].lower() in RESERVED_HEADERS:
                add(
                    "invalid_header",
                    f'"{header["name"][:100]}" cannot be used as a header name',
                    f"config.headers[{i}].name",
                )
            elif problem := template.check(header["value"]):
                add("bad_template", f"Header {header['name']}: {problem}", f"config.headers[{i}].value")
        body_type = config.get("body_type", "none")
        if body_type != "none" and config["method"] in ("GET", "DELETE"):
            add(
                "invalid",
                f"A {config['method']} request has no body; choose POST, PUT or PATCH",
                "config.body_type",
            )
        if body_type == "json":
            body = config.get("body", "")
            if problem := template.check(body):
                add("bad_template", f"The body is not a valid template: {problem}", "config.body")
            elif len(body) > MAX_BODY:
                add("too_long", f"The body is longer than {MAX_BODY} characters", "config.body")
        if body_type == "form":
            for i, field in enumerate(config.get("form", [])):
                if not field["name"].strip():
                    add("required", f"Form field {i + 1} needs a name", f"config.form[{i}].name")
                elif problem := template.check(field["value"]):
                    add("bad_template", f"Form field {field['name']}: {problem}", f"config.form[{i}].value")
        timeout = config.get("timeout_seconds", 10)
        if not 0 < timeout <= MAX_TIMEOUT:
            add("invalid", f"The timeout is between 1 and {MAX_TIMEOUT} seconds", "config.timeout_seconds")
        if not 0 <= config.get("retries", 0) <= MAX_RETRIES:
            add("invalid", f"Retry at most {MAX_RETRIES} times", "config.retries")
        status_variable = config.get("status_variable", "")
        if status_variable and not flow_variables.NAME.fullmatch(status_variable):
            add("invalid_name", flow_variables.NAME_RULE, "config.status_variable")
        for i, saved in enumerate(config.get("save", [])):
            if parse_path(saved["path"]) is None:
                add(
                    "invalid_path", "Write a JSON path such as $.data.items[0].name", f"config.save[{i}].path"
                )
            if not flow_variables.NAME.fullmatch(saved["variable"]):
                add("invalid_name", flow_variables.NAME_RULE, f"config.save[{i}].variable")
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        config = node.config

        def render(text: str) -> str:
            return template.render(text, person=ctx.person, variables=ctx.variables)

        try:
            url = render(config["url"]).strip()
            headers = {h["name"]: render(h["value"]) for h in config.get("headers", [])}
            body: str | None = None
            body_type = config.get("body_type", "none")
            if body_type == "json":
                body = render(config.get("body", ""))
                headers.setdefault("Content-Type", "application/json")
            elif body_type == "form":
                body = "&".join(
                    f"{quote_plus(f['name'])}={quote_plus(render(f['value']))}"
                    for f in config.get("form", [])
                )
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        except template.TemplateError as exc:
            return self._failed(node, ctx, f"The request could not be rendered: {exc}")
        if body_type == "json":
            try:
                json.loads(body or "")
            except ValueError:
                return self._failed(node, ctx, "The rendered body is not valid JSON")
        call = CallUrl(
            node_id=node.id,
            method=config["method"],
            url=url,
            headers=headers,
            body=body,
            timeout_seconds=float(config.get("timeout_seconds", 10)),
            retries=int(config.get("retries", 0)),
        )
        return Step.wait(call, until=Wait("call"))

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        outcome = reply.get("call")
        if not isinstance(outcome, dict):
            raise InvalidReply(f'"{node.id}" waits for its HTTP call, not for a reply')
        config = node.config
        if config.get("status_variable"):
            ctx.variables[config["status_variable"]] = outcome.get("status")
        if outcome.get("ok") and config.get("save"):
            try:
                document = json.loads(outcome.get("body") or "")
            except ValueError:
                document = None
            for saved in config["save"]:
                parts = parse_path(saved["path"]) or []
                value = pick(document, parts)
                declared = ctx.declared.get(saved["variable"])
                if declared and value is not None:
                    try:
                        value = flow_variables.coerce(value, declared)
                    except flow_variables.VariableValueError:
                        value = None
                ctx.variables[saved["variable"]] = value
        if outcome.get("ok"):
            return Step.follow(SUCCESS, note=f"HTTP {outcome.get('status')}")
        return Step.follow(FAILURE, note=str(outcome.get("error") or f"HTTP {outcome.get('status')}")[:300])

    def _failed(self, node: Node, ctx: Context, reason: str) -> Step:
        if node.config.get("status_variable"):
            ctx.variables[node.config["status_variable"]] = None
        return Step.follow(FAILURE, note=reason)
