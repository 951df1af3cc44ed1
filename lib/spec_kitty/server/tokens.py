"""Access and refresh tokens: HS256 JWTs signed with the server's own secret.

Every token carries `sub` (the username), `token_type` (access or refresh), `aud`, `iat`, `exp`
and a unique `jti`. A refresh token is good for one refresh: the store remembers each one used, so
presenting it again is refused (rotation).
"""

import time
import uuid
from dataclasses import dataclass

import jwt

AUDIENCE = "spec-kitty-sync"
ALGORITHM = "HS256"
ACCESS, REFRESH = "access", "refresh"

DEFAULT_ACCESS_LIFETIME = 900
DEFAULT_REFRESH_LIFETIME = 7 * 24 * 3600

TOKEN_MISSING = "token_missing"
TOKEN_INVALID = "token_invalid"
TOKEN_EXPIRED = "token_expired"
TOKEN_REVOKED = "token_revoked"


class TokenError(Exception):
    """A token that cannot be accepted; `code` is what the 401 body reports."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class TokenIssuer:
    secret: str
    access_lifetime: int = DEFAULT_ACCESS_LIFETIME
    refresh_lifetime: int = DEFAULT_REFRESH_LIFETIME

    def issue_pair(self, username: str) -> dict:
        """The token endpoint's answer (without team_slug) for `username`."""
        return {
            "access": self.issue(username, ACCESS, self.access_lifetime),
            "refresh": self.issue(username, REFRESH, self.refresh_lifetime),
            "access_lifetime": self.access_lifetime,
            "refresh_lifetime": self.refresh_lifetime,
        }

    def issue(self, username: str, token_type: str, lifetime: int) -> str:
        now = int(time.time())
        claims = {
            "sub": username,
            "token_type": token_type,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token: object, token_type: str) -> dict:
        """The claims of a valid, unexpired token of `token_type`; TokenError otherwise."""
        if not isinstance(token, str) or not token:
            raise TokenError(TOKEN_MISSING, f"no {token_type} token given")
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "sub", "aud", "jti", "token_type"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError(TOKEN_EXPIRED, f"the {token_type} token has expired") from None
        except jwt.InvalidAudienceError:
            raise TokenError(TOKEN_INVALID, f"the token is not for audience {AUDIENCE}") from None
        except jwt.InvalidTokenError as exc:
            raise TokenError(TOKEN_INVALID, f"the {token_type} token is not valid: {exc}") from None
        if claims["token_type"] != token_type:
            given = claims["token_type"]
            raise TokenError(TOKEN_INVALID, f"expected an {token_type} token, got a {given} token")
        return claims
