"""What a feature's work packages look like right now.

A work package's lane is the status log's when the log has it; otherwise it is what the files
state (lane folder, else frontmatter), which is how features from releases before the log are
read as they are.
"""

from dataclasses import dataclass

from spec_kitty.events.lanes import Lane
from spec_kitty.jsonl import ScriptError
from spec_kitty.workflow.features import Feature
from spec_kitty.workflow.status_snapshot import Status, read_status
from spec_kitty.workflow.tasks_md import TaskSection, parse_tasks_md
from spec_kitty.workflow.text import read_text
from spec_kitty.workflow.wp_files import WorkPackage, read_work_packages


@dataclass
class FeatureState:
    feature: Feature
    sections: list[TaskSection]
    packages: dict[str, WorkPackage]
    status: Status

    @property
    def logged(self) -> dict[str, Lane | str]:
        return self.status.lanes()

    def lanes(self) -> dict[str, Lane | str]:
        """Every work package's canonical lane (the log's, else what its files state)."""
        logged = self.logged
        return {wp: logged.get(wp, pkg.stated_lane) for wp, pkg in self.packages.items()}

    def package(self, wp_id: str) -> WorkPackage:
        try:
            return self.packages[wp_id]
        except KeyError:
            known = ", ".join(self.packages) or "none (run `spec-kitty finalize-tasks`)"
            raise ScriptError(
                f"no work package {wp_id} in feature {self.feature.slug} (work packages: {known})"
            ) from None

    def dependents(self, wp_id: str) -> list[str]:
        return [wp for wp, pkg in self.packages.items() if wp_id in pkg.dependencies]


def load_state(feature: Feature) -> FeatureState:
    tasks_md = feature.directory / "tasks.md"
    sections = parse_tasks_md(read_text(tasks_md), str(tasks_md)) if tasks_md.is_file() else []
    packages = read_work_packages(feature.directory, sections)
    return FeatureState(feature, sections, packages, read_status(feature.log_path))
