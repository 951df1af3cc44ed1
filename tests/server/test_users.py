"""Users and their project grants, from files and flags."""

import json

import pytest
from spec_kitty.jsonl import ScriptError
from spec_kitty.server.users import load_users_file, users_from_flags

PROJECT = "0b5d9a3e-2c1f-4e8a-9b7d-3f6e1a2c4d5e"


def test_users_file_in_toml_and_json_give_the_same_users(tmp_path):
    toml = tmp_path / "users.toml"
    toml.write_text(
        f'[users.ann]\npassword = "pw"\nprojects = ["{PROJECT}"]\nteam_slug = "cats"\n'
        '[users.bob]\npassword = "pw2"\n'
    )
    as_json = tmp_path / "users.json"
    as_json.write_text(
        json.dumps(
            {
                "users": {
                    "ann": {"password": "pw", "projects": [PROJECT], "team_slug": "cats"},
                    "bob": {"password": "pw2"},
                }
            }
        )
    )
    users = load_users_file(toml)
    assert users == load_users_file(as_json)
    assert users["ann"].may_write(PROJECT) and not users["ann"].may_write("other")
    assert users["bob"].may_write("any-project")
    assert users["ann"].password_matches("pw") and not users["ann"].password_matches("PW")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "is not valid JSON"),
        ('{"people": {}}', "expected a top-level `users` table"),
        ('{"users": {"ann": {"projects": ["*"]}}}', "user 'ann': expected a table with a string"),
        ('{"users": {"ann": {"password": "p", "projects": "*"}}}', "`projects` must be a list"),
        ('{"users": {"ann": {"password": "p", "projects": 5}}}', "user 'ann': `projects` must be"),
        (
            '{"users": {"ann": {"password": "p", "projects": {"a": 1}}}}',
            "`projects` must be a list",
        ),
        ('{"users": {"ann": {"password": "p", "projects": [5]}}}', "`projects` must be a list"),
    ],
)
def test_a_bad_users_file_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "users.json"
    path.write_text(text)
    with pytest.raises(ScriptError, match=message):
        load_users_file(path)


def test_flags_give_every_project_unless_granted_some():
    users = users_from_flags(["ann:pw", "bob:pw:with:colons"], [f"ann:{PROJECT}"])
    assert users["ann"].projects == (PROJECT,)
    assert users["bob"].password_matches("pw:with:colons")
    assert users["bob"].may_write("anything")


@pytest.mark.parametrize(
    ("users", "grants", "message"),
    [
        (["ann"], [], "expected NAME:PASSWORD"),
        (["ann:pw"], ["ann"], "expected NAME:PROJECT_UUID"),
        (["ann:pw"], [f"zed:{PROJECT}"], "unknown user"),
    ],
)
def test_bad_flags_are_one_clear_error(users, grants, message):
    with pytest.raises(ScriptError, match=message):
        users_from_flags(users, grants)


def test_a_users_file_others_can_read_is_warned_about(tmp_path, capsys):
    path = tmp_path / "users.json"
    path.write_text('{"users": {"ann": {"password": "pw"}}}')
    path.chmod(0o644)
    load_users_file(path)
    assert "chmod 600" in capsys.readouterr().err
    path.chmod(0o600)
    load_users_file(path)
    assert capsys.readouterr().err == ""
