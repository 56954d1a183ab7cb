"""API errors: a service's ValidationError becomes a 400 with {field: [messages]}, a Conflict a 409."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler

from portal.errors import Conflict


class ConflictError(exceptions.APIException):
    status_code = 409
    default_detail = "It changed meanwhile; reload and try again."
    default_code = "conflict"


def portal_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Conflict):
        exc = ConflictError(detail=f"{exc}. Reload and try again.")
    return exception_handler(exc, context)
