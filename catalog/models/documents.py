"""The API's JSON of each entity, stored: lists and details read it rather than build it (catalog/api/documents.py)."""

from django.db import models

from catalog.models.entities import Entity


class EntityDocument(models.Model):
    """An entity as the API shows it, but its links (they depend on the request's host).

    Valid while `built == wanted` and `shape` is the running code's: every change the document shows moves
    `wanted` on in the writer's transaction (catalog/documents.py), and a reader stores the `wanted` it read in the
    same snapshot as the data it built the body from, so a body built before a change can never pass for one after.
    """

    entity = models.OneToOneField(Entity, primary_key=True, on_delete=models.CASCADE, related_name="document")
    wanted = models.BigIntegerField(default=1, help_text="Moved on by every change that the body shows")
    built = models.BigIntegerField(default=0, help_text="The `wanted` that the body was built at")
    shape = models.CharField(max_length=16, blank=True, help_text="The code that built the body (a hash)")
    body = models.TextField(blank=True, help_text="JSON, without the links")

    def __str__(self) -> str:
        return f"document of entity {self.entity_id}"
