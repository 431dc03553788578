"""The text inside a meal code's QR: `NXM1.<code id>.<nonce>.<signature>` (see
`nuanxin.core.signed_codes`); the row must also exist with that nonce, be unexpired and unused
(`services.meal_code_confirm`)."""

from nuanxin.core.signed_codes import SignedCodeFormat

MEAL_CODE = SignedCodeFormat(prefix="NXM1", salt="nuanxin.merchants.meal-code")
PREFIX = MEAL_CODE.prefix
new_nonce = MEAL_CODE.new_nonce


def meal_code_token(code):
    return MEAL_CODE.token(public_id=code.public_id, nonce=code.nonce)


def parse_meal_code_token(token):
    """(code public id, nonce) of a genuinely signed token, else None."""
    return MEAL_CODE.parse(token)
