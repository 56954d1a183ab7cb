"""Choices of planning (Shape Up), as TextChoices with string values."""

from django.db import models


class CycleState(models.TextChoices):
    SHAPING = "shaping", "Shaping"
    BETTING = "betting", "Betting"
    BUILDING = "building", "Building"
    COOL_DOWN = "cool_down", "Cool-down"
    DONE = "done", "Done"


class Appetite(models.TextChoices):
    SMALL_BATCH = "small", "Small batch (up to 2 weeks)"
    BIG_BATCH = "big", "Big batch (6 weeks)"


# How many weeks of one person an appetite asks for; a big batch takes the whole build period.
APPETITE_WEEKS = {Appetite.SMALL_BATCH: 2, Appetite.BIG_BATCH: 6}


class PitchStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SHAPED = "shaped", "Shaped"
    BET = "bet", "Bet"
    NOT_BET = "not_bet", "Not bet"
    SHIPPED = "shipped", "Shipped"
    NOT_SHIPPED = "not_shipped", "Not shipped"


class BetStatus(models.TextChoices):
    BUILDING = "building", "Building"
    SHIPPED = "shipped", "Shipped"
    NOT_SHIPPED = "not_shipped", "Not shipped"
