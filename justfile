# Thin recipes over invoke and the scripts. `just setup` is the only one that installs anything.
set shell := ["bash", "-euo", "pipefail", "-c"]

bin := ".venv/bin"

# Create .venv and install the toolkit (editable) with its dev tools.
setup:
    test -x {{bin}}/python || python3 -m venv .venv
    {{bin}}/pip install -q -e '.[dev]'

# The whole product end to end on a throwaway server, repository and home.
demo:
    {{bin}}/python -m spec_kitty.demo

# The test suite, on both cores.
test:
    {{bin}}/invoke test

# ruff: lint and format check.
lint:
    {{bin}}/invoke lint

# Every benchmark under tests/bench/, printed as a table (`--json` for JSON; `--peer`: beside
# spec-kitty 2.1.3, installed on first use into ~/.cache/spec-kitty-peer).
bench *args:
    {{bin}}/invoke bench {{args}}

# The reference ingest server on 127.0.0.1 (see `spec-kitty serve --help`).
serve *args:
    {{bin}}/spec-kitty serve {{args}}

# The README's picture of the dashboard, from the demo's kind of data (needs Debian's chromium).
screenshot:
    {{bin}}/python tests/dashboard/screenshot.py docs/dashboard.png
