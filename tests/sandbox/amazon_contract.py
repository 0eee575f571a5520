"""Amazon's published models as a checker: does a request or answer fit the Swagger 2.0 operation?

openapi-core reads OpenAPI 3 only, so this resolves the 2.0 operation itself: path, query and
body parameters against their declarations, the response body against the schema for its status
(`#/definitions` refs resolved by jsonschema), and the headers the response declares.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
from jsonschema import Draft4Validator, Draft7Validator, FormatChecker

from tests.sandbox.specs import specs_root

MODELS = (
    "listingsItems_2021-08-01.json",
    "feeds_2021-06-30.json",
    "orders_2026-01-01.json",
    "ordersV0.json",
)
# Models specs/amazon does not hold yet: read from the vendored copies (models/amazon).
LATER_MODELS = ("reports_2021-06-30.json", "fbaInventory.json")
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
FEED_SCHEMA = "listings-feed-schema-v2.json"
REPORT_SCHEMA = "listings-feed-processing-report-schema-v2.json"

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def specs_dir() -> Path | None:
    """Amazon's models: amazon/ under specs_root(), if they are there."""
    found = specs_root() / "amazon"
    return found if (found / MODELS[0]).is_file() else None


# Models vendored in the repository until the specs folder holds them (see models/README.md).
VENDORED = Path(__file__).resolve().parent / "models" / "amazon"


def model_path(directory: Path, name: str) -> Path:
    """A model from the specs folder, else the copy vendored beside these tests."""
    found = directory / name
    return found if found.is_file() or name not in LATER_MODELS else VENDORED / name


@dataclass(frozen=True)
class Operation:
    spec: dict[str, Any]
    method: str
    template: str
    pattern: re.Pattern[str]
    declared: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.declared["operationId"])

    def schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "definitions": self.spec["definitions"]}


class Contract:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.operations: list[Operation] = []
        self.models = [*MODELS, *LATER_MODELS]
        for name in self.models:
            spec = json.loads(model_path(directory, name).read_text())
            for template, methods in spec["paths"].items():
                regex = re.sub(r"\{[^}]+\}", "([^/]+)", template)
                for method, declared in methods.items():
                    if method not in METHODS:
                        continue
                    self.operations.append(
                        Operation(
                            spec, method.upper(), template, re.compile(f"^{regex}$"), declared
                        )
                    )

    def operation(self, method: str, path: str) -> Operation | None:
        return next(
            (op for op in self.operations if op.method == method and op.pattern.match(path)), None
        )

    # -- requests -------------------------------------------------------------------------------

    def check_request(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> list[str]:
        """What is wrong with this request by the model (empty: nothing)."""
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the models"]
        problems: list[str] = []
        pairs = parse_qsl(query, keep_blank_values=True)
        values = re.match(op.pattern, path)
        assert values is not None
        path_names = re.findall(r"\{([^}]+)\}", op.template)
        path_values = dict(zip(path_names, values.groups(), strict=True))
        for parameter in op.declared.get("parameters", []):
            where, name = parameter["in"], parameter["name"]
            if where == "body":
                problems += self._check_body(op, parameter, body)
                continue
            if where == "path":
                raw = [path_values[name]] if name in path_values else []
            elif where == "query":
                raw = [value for key, value in pairs if key == name]
            elif where == "header":
                raw = [headers[name.lower()]] if name.lower() in headers else []
            else:
                continue
            if not raw:
                if parameter.get("required"):
                    problems.append(f"{op.name}: required {where} parameter {name} missing")
                continue
            problems += [f"{op.name}: {where} {name}: {p}" for p in _check_simple(parameter, raw)]
        return problems

    def _check_body(self, op: Operation, parameter: dict[str, Any], body: bytes) -> list[str]:
        if not body:
            return [f"{op.name}: required body missing"] if parameter.get("required") else []
        try:
            document = json.loads(body)
        except ValueError:
            return [f"{op.name}: body is not JSON"]
        return _errors(
            Draft4Validator(op.schema(parameter["schema"]), format_checker=formats),
            document,
            op.name,
        )

    # -- responses ------------------------------------------------------------------------------

    def check_response(
        self, method: str, path: str, status: int, headers: dict[str, str], body: bytes
    ) -> list[str]:
        op = self.operation(method, path)
        if op is None:
            return [f"{method} {path}: no such operation in the models"]
        declared = op.declared["responses"].get(str(status)) or op.declared["responses"].get(
            "default"
        )
        if declared is None:
            return [f"{op.name}: status {status} is not one the model declares"]
        lower = {key.lower() for key in headers}
        problems = [
            f"{op.name} {status}: declared header {name} missing"
            for name in declared.get("headers", {})
            if name.lower() not in lower
        ]
        if "schema" not in declared:
            return problems
        try:
            document = json.loads(body)
        except ValueError:
            return [*problems, f"{op.name} {status}: body is not JSON"]
        validator = Draft4Validator(op.schema(declared["schema"]), format_checker=formats)
        return problems + _errors(validator, document, f"{op.name} {status}")

    def check_exchange(self, response: httpx.Response) -> list[str]:
        """Both halves of a call made with httpx."""
        request = response.request
        headers = {key.lower(): value for key, value in request.headers.items()}
        return self.check_request(
            request.method, request.url.path, request.url.query.decode(), headers, request.content
        ) + self.check_response(
            request.method,
            request.url.path,
            response.status_code,
            dict(response.headers),
            response.content,
        )

    # -- feed documents -------------------------------------------------------------------------

    def check_feed(self, document: Any) -> list[str]:
        schema = json.loads((self.directory / FEED_SCHEMA).read_text())
        return _errors(Draft7Validator(schema), document, "feed")

    def check_report(self, document: Any) -> list[str]:
        schema = json.loads((self.directory / REPORT_SCHEMA).read_text())
        return _errors(Draft7Validator(schema), document, "report")


def _errors(validator: Any, document: Any, where: str) -> list[str]:
    return [
        f"{where}: {'/'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def _check_simple(parameter: dict[str, Any], raw: list[str]) -> list[str]:
    """A non-body parameter's text against its declared type, enum, bounds and format."""
    if parameter.get("type") == "array":
        if parameter.get("collectionFormat", "csv") == "multi":
            values = raw
        else:
            values = [part for value in raw for part in value.split(",")]
        problems = []
        if "maxItems" in parameter and len(values) > parameter["maxItems"]:
            problems.append(f"more than {parameter['maxItems']} values")
        if "minItems" in parameter and len(values) < parameter["minItems"]:
            problems.append(f"fewer than {parameter['minItems']} values")
        return problems + [p for value in values for p in _check_scalar(parameter["items"], value)]
    if len(raw) > 1:
        return ["given more than once"]
    return _check_scalar(parameter, raw[0])


def _check_scalar(declared: dict[str, Any], value: str) -> list[str]:
    kind = declared.get("type", "string")
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            return [f"{value!r} is not an integer"]
        if "minimum" in declared and number < declared["minimum"]:
            return [f"{number} < minimum {declared['minimum']}"]
        if "maximum" in declared and number > declared["maximum"]:
            return [f"{number} > maximum {declared['maximum']}"]
        return []
    if kind == "boolean":
        return [] if value in ("true", "false") else [f"{value!r} is not a boolean"]
    if "enum" in declared and value not in declared["enum"]:
        return [f"{value!r} is not one of {declared['enum']}"]
    if declared.get("format") == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{value!r} is not a date-time"]
    return []
