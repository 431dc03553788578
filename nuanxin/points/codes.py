"""The text inside a redeem code's QR: `NXP1.<code id>.<nonce>.<signature>` (see
`nuanxin.core.signed_codes`: its own prefix and salt, so a meal code never passes as a redeem
code); the row must also exist with that nonce, be unexpired and unused
(`services.redeem_code_confirm`)."""

from nuanxin.core.signed_codes import SignedCodeFormat

REDEEM_CODE = SignedCodeFormat(prefix="NXP1", salt="nuanxin.points.redeem-code")
PREFIX = REDEEM_CODE.prefix
new_nonce = REDEEM_CODE.new_nonce


def redeem_code_token(code):
    return REDEEM_CODE.token(public_id=code.public_id, nonce=code.nonce)


def parse_redeem_code_token(token):
    """(code public id, nonce) of a genuinely signed token, else None."""
    return REDEEM_CODE.parse(token)
