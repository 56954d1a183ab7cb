"""Pitches (problem, appetite, solution, rabbit holes, no-gos), the roadmap items they come from, sketches."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.urls import reverse

from planning.choices import Appetite, PitchStatus

__all__ = ["Pitch", "PitchSketch", "RoadmapItem", "sketch_storage"]


def sketch_storage() -> FileSystemStorage:
    # Not under a public MEDIA_URL: sketches are served to signed-in users by a view.
    return FileSystemStorage(location=settings.VAR_DIR / "media" / "sketches")


class RoadmapItem(models.Model):
    """An item of the lead's technical roadmap (Spark upgrades, Iceberg adoption, ...) that feeds pitches."""

    title = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="Markdown")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class Pitch(models.Model):
    """A shaped piece of work offered to the betting table."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    problem = models.TextField(blank=True)
    appetite = models.CharField(max_length=10, choices=Appetite.choices, default=Appetite.BIG_BATCH)
    solution = models.TextField(blank=True, help_text="Markdown; attach sketches below")
    rabbit_holes = models.TextField(blank=True)
    no_gos = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="planning_pitches"
    )
    status = models.CharField(max_length=20, choices=PitchStatus.choices, default=PitchStatus.DRAFT, db_index=True)
    roadmap_item = models.ForeignKey(
        RoadmapItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="pitches"
    )
    entities = models.ManyToManyField("catalog.Entity", blank=True, related_name="pitches")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "pitches"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:pitch-detail", args=[self.slug])


class PitchSketch(models.Model):
    """An image sketch of a pitch's solution (fat-marker sketch, breadboard)."""

    pitch = models.ForeignKey(Pitch, on_delete=models.CASCADE, related_name="sketches")
    file = models.FileField(storage=sketch_storage, upload_to="%Y/%m")
    name = models.CharField(max_length=200, help_text="The uploaded file's name")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:sketch", args=[self.pk])
