"""Names of `azure.ai.ml.entities` that sweep scripts use."""
from .._builders import Command, Input, Output
from .._compute import Compute, LocalCompute, RayCompute, SlurmCompute
from ..sweep import SweepJob

# A `Sweep` node (what `Command.sweep()` returns in the Azure SDK) is a SweepJob here.
Sweep = SweepJob
CommandJob = Command

__all__ = ["Command", "CommandJob", "Compute", "Input", "LocalCompute", "Output", "RayCompute", "SlurmCompute", "Sweep",
           "SweepJob"]
