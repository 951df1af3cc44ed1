"""contract-check's client: replaying contracts/fixtures/ against a sync server (check) and
comparing each answer with its expectation (fixture_match).

A client of the server like the sync, so it sends through spec_kitty.sync.transport: the same
session, the same refusal of redirects, the same words for a server it cannot reach.
"""
