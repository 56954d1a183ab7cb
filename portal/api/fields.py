"""A choice field with its own named OpenAPI enum (`<App><Choices>Enum`), so the many `status` and `kind`
fields of the apps never collide in the schema."""

from django.db import models
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers


class EnumField(serializers.ChoiceField):
    def __init__(self, choices_class: type[models.Choices], **kwargs):
        self.choices_class = choices_class
        app = choices_class.__module__.split(".", 1)[0].capitalize()
        self.enum_name = f"{app}{choices_class.__name__}Enum"
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "portal.api.fields.EnumField"

    def map_serializer_field(self, auto_schema, direction):
        field: EnumField = self.target
        is_int = issubclass(field.choices_class, models.IntegerChoices)
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={
                "type": "integer" if is_int else "string",
                "enum": list(field.choices_class.values),
                "description": "\n".join(f"* `{v}` - {label}" for v, label in field.choices_class.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        if field.allow_blank or field.allow_null:
            schema = {"oneOf": [component.ref, {"type": "string", "maxLength": 0}]}
            if field.allow_null:
                schema["nullable"] = True
            return schema
        return component.ref
