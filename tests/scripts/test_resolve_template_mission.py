"""resolve-template names the mission it resolved for, also when the request left it out."""

import json


def test_a_request_without_a_mission_is_answered_with_the_mission_used(script, tmp_path):
    requests = [
        {"name": "spec-template.md"},
        {"name": "spec-template.md", "mission": ""},
        {"name": "plan-template.md", "mission": "research"},
        {"kind": "mission"},
    ]
    done = script(
        "resolve-template",
        input="".join(json.dumps(request) + "\n" for request in requests),
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [answer["mission"] for answer in answers] == [
        "software-dev",
        "software-dev",
        "research",
        "software-dev",
    ]
    assert "missions/software-dev/" in answers[0]["path"]
