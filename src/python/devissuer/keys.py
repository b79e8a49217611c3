"""A signing key made at start (never stored, never in an image) and the tokens it signs.

The API layer verifies these exactly as it verifies a production issuer's (Amazon Cognito's):
RS256, a ``kid`` from the key's RFC 7638 thumbprint, the public half published as a JWKS.
The tests mint their good and bad tokens with it too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeyParameters, RSAKey

ALGORITHM_OF = {"RSA": "RS256", "EC": "ES256"}


@dataclass(frozen=True)
class SigningKey:
    key: RSAKey | ECKey
    algorithm: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "algorithm", ALGORITHM_OF[self.key.key_type])

    @classmethod
    def generate(cls, key_type: str = "RSA") -> SigningKey:
        parameters: KeyParameters = {"use": "sig", "alg": ALGORITHM_OF[key_type]}
        if key_type == "RSA":
            return cls(RSAKey.generate_key(2048, parameters=parameters, auto_kid=True))
        return cls(ECKey.generate_key("P-256", parameters=parameters, auto_kid=True))

    @property
    def kid(self) -> str:
        kid = self.key.kid
        assert kid is not None  # auto_kid
        return kid

    def jwks(self) -> dict[str, Any]:
        """The public half, as the issuer's JWKS document serves it."""
        return {"keys": [self.key.as_dict(private=False)]}

    def public_pem(self) -> bytes:
        return self.key.as_pem(private=False)

    def mint(
        self,
        subject: str,
        *,
        issuer: str,
        audience: str,
        lifetime: int = 3600,
        now: int | None = None,
        **claims: Any,
    ) -> str:
        """A signed access token for ``subject``; ``claims`` add to or override the usual ones."""
        issued = int(time.time()) if now is None else now
        payload = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "iat": issued,
            "exp": issued + lifetime,
            **claims,
        }
        header = {"alg": self.algorithm, "typ": "JWT", "kid": self.kid}
        return jwt.encode(header, payload, self.key)
