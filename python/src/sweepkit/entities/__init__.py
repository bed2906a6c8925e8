"""Names of `azure.ai.ml.entities` that sweep scripts use."""
from .._builders import Command, Input, Output
from ..sweep import SweepJob

# A `Sweep` node (what `Command.sweep()` returns in the Azure SDK) is a SweepJob here.
Sweep = SweepJob
CommandJob = Command

__all__ = ["Command", "CommandJob", "Input", "Output", "Sweep", "SweepJob"]
