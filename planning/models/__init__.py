"""Models of planning (Shape Up), one module per concept."""

from planning.models.absences import Absence
from planning.models.bets import Bet, HillUpdate, Scope
from planning.models.cycles import Cycle
from planning.models.pitches import Pitch, PitchSketch, RoadmapItem

__all__ = ["Absence", "Bet", "Cycle", "HillUpdate", "Pitch", "PitchSketch", "RoadmapItem", "Scope"]
