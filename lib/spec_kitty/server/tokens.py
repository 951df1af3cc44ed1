"""Access and refresh tokens: HS256 JWTs signed with the server's own secret.

Every token carries `sub` (the username), `token_type` (access or refresh), `aud`, `iat`, `exp`,
a unique `jti` and `sid`, the login (session) it belongs to. A refresh token is good for one
refresh: the store remembers each one used, so presenting it again is refused (rotation). Tokens
refreshed from one login never outlive it, and ending the login ends them all.
"""

import hashlib
import hmac
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

    def issue_pair(self, username: str, sid: str, session_end: int) -> dict:
        """The token endpoint's answer (without team_slug) for the login `sid` of `username`,
        which ends at `session_end` (Unix time): neither token lives past that."""
        left = max(0, session_end - int(time.time()))
        access_lifetime = min(self.access_lifetime, left)
        return {
            "access": self.issue(username, ACCESS, access_lifetime, sid),
            "refresh": self.issue(username, REFRESH, left, sid),
            "access_lifetime": access_lifetime,
            "refresh_lifetime": left,
        }

    def issue(self, username: str, token_type: str, lifetime: int, sid: str) -> str:
        now = int(time.time())
        claims = {
            "sub": username,
            "token_type": token_type,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "sid": sid,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def password_mark(self, username: str, password: str) -> str:
        """A keyed fingerprint of a user's password: it changes when the password does, and
        tells nothing about the password to whoever reads the database without the key."""
        message = f"{username}\0{password}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

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
                options={"require": ["exp", "iat", "sub", "aud", "jti", "token_type", "sid"]},
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
