"""Strict request bodies: `data: SomeRequest` decoded by msgspec with no type coercion.

Litestar converts handler arguments in msgspec's lax mode, where `"100"`, `100.0` and `true`
could pass for integers. A ledger must refuse those (400), so bodies go through this DTO,
which decodes the raw bytes strictly into the Struct (unknown fields are refused by the
Struct itself) and documents the Struct's own schema in OpenAPI.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar.dto import MsgspecDTO
from litestar.openapi.spec import Operation, Reference, RequestBody, Schema
from litestar.typing import FieldDefinition

T = TypeVar("T", bound=msgspec.Struct)


class StrictBody(MsgspecDTO[T]):
    """A DTO that decodes the request body strictly into its model type."""

    def decode_bytes(self, value: bytes) -> Any:
        """The body as the model, or msgspec's DecodeError/ValidationError (mapped to 400)."""
        return msgspec.json.decode(value, type=self.model_type, strict=True)

    @classmethod
    def create_openapi_schema(
        cls,
        field_definition: FieldDefinition,
        handler_id: str,
        schema_creator: Any,
    ) -> Reference | Schema:
        """The model's schema (its camelCase names and bounds), closed to unknown fields."""
        schema: Reference | Schema = schema_creator.for_field_definition(
            FieldDefinition.from_annotation(cls.model_type)
        )
        target = (
            schema_creator.schema_registry.from_reference(schema).schema
            if isinstance(schema, Reference)
            else schema
        )
        target.additional_properties = False  # the Struct forbids unknown fields: say so
        return schema


@dataclass
class OptionalBody(Operation):
    """An operation whose request body may be left out (Litestar marks every body required)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False
