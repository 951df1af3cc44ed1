"""A command whose change is made but whose answer never got out answers when run again."""

import pytest
from spec_kitty.workflow import journal
from spec_kitty.workflow.features import feature_slugs, load_feature
from spec_kitty.workflow.planning import create_feature, setup_plan
from workflow_support import commits, queued


class Killed(BaseException):
    """Stands for a kill between the change and the printing of its answer."""


def test_a_command_killed_before_its_answer_answers_when_run_again(project):
    with pytest.raises(Killed), journal.answering(project):
        create_feature(project, "Checkout flow", None)
        raise Killed

    again = create_feature(project, "Checkout flow", None)

    assert again["feature"] == "001-checkout-flow" and again["committed"] is True
    assert feature_slugs(project) == ["001-checkout-flow"]
    assert commits(project).count("Create feature 001-checkout-flow: spec.md and meta.json") == 1
    assert len(queued("FeatureCreated")) == 1
    # Answered now: the same name once more is a feature of its own.
    assert create_feature(project, "Checkout flow", None)["feature"] == "002-checkout-flow"


def test_an_answer_printed_is_not_given_again(project):
    with journal.answering(project):
        create_feature(project, "Checkout flow", None)

    assert journal.load(project) is None
    assert create_feature(project, "Checkout flow", None)["feature"] == "002-checkout-flow"


def test_another_command_after_an_unanswered_one_does_its_own_work(project):
    with pytest.raises(Killed), journal.answering(project):
        slug = create_feature(project, "Checkout flow", None)["feature"]
        raise Killed

    planned = setup_plan(project, load_feature(project, slug))

    assert planned["committed"] is True and journal.load(project) is None
    assert create_feature(project, "Checkout flow", None)["feature"] == "002-checkout-flow"
