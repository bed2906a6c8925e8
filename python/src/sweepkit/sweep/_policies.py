"""Early-termination policies, with the constructors and `.type` strings of `azure.ai.ml.sweep`.
The engine validates them (exactly one Bandit slack, truncation percentage 1-99, ...)."""


class EarlyTerminationPolicy:
    """Base class of the early-termination policies."""

    def __init__(self, *, delay_evaluation: int, evaluation_interval: int) -> None:
        self.type = None
        self.delay_evaluation = delay_evaluation
        self.evaluation_interval = evaluation_interval

    def _to_spec(self) -> dict:
        return {"type": self.type, "delay_evaluation": self.delay_evaluation,
                "evaluation_interval": self.evaluation_interval}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EarlyTerminationPolicy):
            return NotImplemented
        return self._to_spec() == other._to_spec()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._to_spec().items() if k != "type")
        return f"{type(self).__name__}({fields})"


class BanditPolicy(EarlyTerminationPolicy):
    """Stops a trial whose metric falls outside the slack of the best trial's."""

    def __init__(self, *, delay_evaluation: int = 0, evaluation_interval: int = 0,
                 slack_amount: float = 0, slack_factor: float = 0) -> None:
        super().__init__(delay_evaluation=delay_evaluation, evaluation_interval=evaluation_interval)
        self.type = "bandit"
        self.slack_factor = slack_factor
        self.slack_amount = slack_amount

    def _to_spec(self) -> dict:
        spec = super()._to_spec()
        spec["slack_factor"] = self.slack_factor
        spec["slack_amount"] = self.slack_amount
        return spec


class MedianStoppingPolicy(EarlyTerminationPolicy):
    """Stops a trial whose best metric is worse than the median of the running averages."""

    def __init__(self, *, delay_evaluation: int = 0, evaluation_interval: int = 1) -> None:
        super().__init__(delay_evaluation=delay_evaluation, evaluation_interval=evaluation_interval)
        self.type = "median_stopping"


class TruncationSelectionPolicy(EarlyTerminationPolicy):
    """Stops the lowest `truncation_percentage` percent of trials at each evaluation.
    `exclude_finished_jobs` is accepted as the Azure documentation shows it."""

    def __init__(self, *, delay_evaluation: int = 0, evaluation_interval: int = 0,
                 truncation_percentage: int = 0, exclude_finished_jobs: bool = False) -> None:
        super().__init__(delay_evaluation=delay_evaluation, evaluation_interval=evaluation_interval)
        self.type = "truncation_selection"
        self.truncation_percentage = truncation_percentage
        self.exclude_finished_jobs = exclude_finished_jobs

    def _to_spec(self) -> dict:
        spec = super()._to_spec()
        spec["truncation_percentage"] = self.truncation_percentage
        spec["exclude_finished_jobs"] = self.exclude_finished_jobs
        return spec
