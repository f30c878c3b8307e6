"""Reads a synthesized cloud assembly: the templates are the only description of what to run.

The app's stacks are read as one template (``infra/assembly.py``: each ``Fn::ImportValue`` is
the value the exporting stack declares). ``Resolver`` turns template values
(``Ref``, ``Fn::GetAtt``, ``Fn::Join``, pseudo parameters) into the values of the local
resources, once ``provision`` has created them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.assembly import merged, stack_templates

ACCOUNT_ID = "123456789012"  # moto's default account


@dataclass(frozen=True)
class ApiRoute:
    logical_id: str
    method: str
    path: str  # API Gateway syntax: /v1/me/edit-requests/{edit_request_id}
    authorization: str
    function_id: str
    # API Gateway waits 29 s for an integration unless the method says otherwise ("Amazon API
    # Gateway quotas", https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    timeout_ms: int = 29_000

    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        return re.compile(f"^{regex}$")


def _function_of(uri: Any) -> str:
    """The logical id of the function a Lambda proxy integration URI points at."""
    found = re.search(r'"Fn::GetAtt": \["(\w+)", "Arn"\]', json.dumps(uri))
    if not found:
        raise ValueError(f"not a Lambda integration: {uri}")
    return found.group(1)


@dataclass
class Template:
    """The app's templates read as one (``merged``) and the folder of their assets."""

    body: dict[str, Any]
    assembly_dir: Path

    @classmethod
    def load(cls, assembly_dir: Path) -> Template:
        body = merged(list(stack_templates(assembly_dir).values()))
        return cls(body=body, assembly_dir=assembly_dir)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.body["Resources"]  # type: ignore[no-any-return]

    def of_type(self, type_: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(logical id, properties) of every resource of ``type_``."""
        for logical_id, resource in self.resources.items():
            if resource["Type"] == type_:
                yield logical_id, resource.get("Properties", {})

    def region(self) -> str:
        """The region the stack was synthesized for (from any regional ARN literal)."""
        match = re.search(r"arn:aws:[a-z-]+:([a-z]{2}-[a-z]+-\d):", json.dumps(self.body))
        return match.group(1) if match else "ap-southeast-1"

    def api_routes(self) -> list[ApiRoute]:
        """Every ``AWS::ApiGateway::Method`` served by a function: its method, path template and
        function (CORS preflights are API Gateway's own MOCK answers: ``local/cors.py``)."""
        api_resources = dict(self.of_type("AWS::ApiGateway::Resource"))

        def path_of(ref: dict[str, Any]) -> str:
            if "Fn::GetAtt" in ref:  # the API's root resource
                return ""
            props = api_resources[ref["Ref"]]
            return f"{path_of(props['ParentId'])}/{props['PathPart']}"

        return [
            ApiRoute(
                logical_id=logical_id,
                method=props["HttpMethod"],
                path=path_of(props["ResourceId"]),
                authorization=props.get("AuthorizationType", "NONE"),
                function_id=_function_of(props["Integration"]["Uri"]),
                timeout_ms=props["Integration"].get("TimeoutInMillis", 29_000),
            )
            for logical_id, props in self.of_type("AWS::ApiGateway::Method")
            if props["Integration"].get("Type") != "MOCK"
        ]

    def asset_dir(self, logical_id: str) -> Path:
        """The folder of a function's or layer's code asset."""
        metadata = self.resources[logical_id]["Metadata"]
        return self.assembly_dir / str(metadata["aws:asset:path"])


@dataclass
class Resolver:
    """Resolves template values against the physical values of local resources."""

    region: str
    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)

    def set(self, logical_id: str, ref: str, **attributes: str) -> None:
        self.refs[logical_id] = ref
        for name, value in attributes.items():
            self.attributes[(logical_id, name)] = value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self._ref(value["Ref"])
        if "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            return self.attributes[(logical_id, attribute)]
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(self.resolve(part)) for part in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": self.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        return pseudo.get(name) or self.refs[name]
