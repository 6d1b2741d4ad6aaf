"""Views: thin. Parse the request, call a queryset or a workflow function, render."""

from .reading import ContentsView, ProcedureView, SectionView, VolumeView

__all__ = ["ContentsView", "ProcedureView", "SectionView", "VolumeView"]
