"""Errors of the /admin/tokens routes (status, error_id)::

    NotFound                      404
    └── TokenNotFoundError            token.not_found
    TokenRevokedError             409 token.revoked     revoking a token already revoked
    InvalidRequest                422
    └── TokenRequestInvalid           token.invalid     details.field names role/name/expiry
"""

from __future__ import annotations

from api.errors import ApiError, InvalidRequest, NotFound


class TokenNotFoundError(NotFound):
    error_id = "token.not_found"
    message = "no such token"


class TokenRevokedError(ApiError):
    status = 409
    error_id = "token.revoked"
    message = "this token is already revoked"


class TokenRequestInvalid(InvalidRequest):
    error_id = "token.invalid"
