"""Word retro packs: a team's quarter turned into a retrospective document (python-docx, matplotlib)."""

from .batch import build_retro_packs
from .build import build_retro_pack
from .data import RetroInput
from .gather import gather_retro_input, gather_retro_inputs

__all__ = ["RetroInput", "build_retro_pack", "build_retro_packs", "gather_retro_input", "gather_retro_inputs"]
