"""Why the server rejected an event, as one of a few categories a person can act on.

A structured code from the server decides when there is one; otherwise the message text does.
"""

import re

CATEGORIES = (
    "schema_mismatch",
    "auth_expired",
    "unknown_lane",
    "forbidden",
    "oversized_event",
    "server_error",
    "unknown",
)
OVERSIZED = "oversized_event"

# Codes seen from ingest servers, by category (a code equal to a category name counts too).
_CODES = {
    "schema_mismatch": {
        "invalid",
        "invalid_event",
        "invalid_schema",
        "schema_error",
        "validation_error",
        "missing_field",
        "invalid_payload",
        "unsupported_schema_version",
        "invalid_event_type",
    },
    "auth_expired": {
        "token_expired",
        "token_invalid",
        "token_revoked",
        "token_missing",
        "token_not_valid",
        "not_authenticated",
        "authentication_failed",
        "expired_token",
    },
    "unknown_lane": {"invalid_lane", "lane_not_allowed", "unsupported_lane"},
    "forbidden": {
        "no_project_access",
        "permission_denied",
        "project_forbidden",
        "not_a_member",
        "access_denied",
    },
    "oversized_event": {"payload_too_large", "event_too_large", "request_too_large"},
    "server_error": {"internal_error", "server_fault", "storage_error", "unavailable"},
}

# Checked in order: a message naming a lane is about the lane even if it also says "invalid".
_MESSAGES = (
    ("unknown_lane", re.compile(r"(?:\b|_)lanes?\b", re.I)),
    ("auth_expired", re.compile(r"expired|token|not authenticated|unauthori[sz]ed", re.I)),
    ("forbidden", re.compile(r"forbidden|permission|not allowed|access denied|not a member", re.I)),
    (
        "schema_mismatch",
        re.compile(
            r"schema|required|missing|invalid|must be|expected|unknown field|validation", re.I
        ),
    ),
    ("server_error", re.compile(r"internal|server error|database|unavailable|timed? ?out", re.I)),
)


def categorize(code: object, message: object, carries_lane: bool = True) -> str:
    """The category of a rejection from its code, else its message; a message that mentions a
    lane says nothing about an event that carries none (`carries_lane` False)."""
    if isinstance(code, str) and code:
        key = code.strip().lower()
        if key in CATEGORIES:
            return key
        for category, codes in _CODES.items():
            if key in codes:
                return category
    if isinstance(message, str):
        for category, pattern in _MESSAGES:
            if category == "unknown_lane" and not carries_lane:
                continue
            if pattern.search(message):
                return category
    return "unknown"
