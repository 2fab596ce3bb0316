"""The frictionless plugin of evidence-kit, where frictionless looks for plugins.

frictionless imports every top-level module named ``frictionless_<name>`` and registers
its ``<Name>Plugin`` class, so this module (installed by the wheel) makes the
``frictionless`` command verify the ``hash`` and ``bytes`` of Parquet resources.  The
plugin, and why it is needed, is :mod:`evidence_kit.publishing.frictionlessplugin`.
"""

from evidence_kit.publishing.frictionlessplugin import EvidencekitPlugin

__all__ = ["EvidencekitPlugin"]
