"""`spec-kitty dashboard`: the board and the sync health as a live page on 127.0.0.1."""
