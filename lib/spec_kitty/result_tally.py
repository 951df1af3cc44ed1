"""How many events the server settled each way: batch-send's progress, queue-ack's summary, the
reference server's answer."""

from dataclasses import asdict, dataclass

from spec_kitty.records import ResultStatus


@dataclass
class ResultTally:
    success: int = 0
    duplicate: int = 0
    rejected: int = 0

    def count(self, status: ResultStatus) -> None:
        setattr(self, status, getattr(self, status) + 1)

    def as_dict(self) -> dict:
        return asdict(self)
