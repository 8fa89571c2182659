"""Chinese phone numbers: parsing, validation and masking.

Shared by every module that takes a phone number (contacts, intake, the
mini-program API, imports) so that they all accept and refuse the same
inputs with the same Chinese explanation.
"""
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

_SEPARATORS = re.compile(r'[\s\-()（）.]')
_MOBILE = re.compile(r'^1[3-9]\d{9}$')

MOBILE = 'mobile'
LANDLINE = 'landline'


class PhoneError(ValueError):
    "The reason, in Chinese, why a phone number is refused."


def parse(value, kind=None):
    """Return (kind, e164) for a Chinese phone number or raise PhoneError.

    kind restricts what is accepted: 'mobile' (11 digits starting with 1),
    'landline' (area code + number, optional extension) or None for both.
    """
    raw = (value or '').strip()
    if not raw:
        raise PhoneError("号码为空")
    compact = _SEPARATORS.sub('', raw)
    extension = None
    if '转' in compact or '#' in compact:
        compact, extension = re.split('[转#]', compact, maxsplit=1)
    if compact.startswith('+86'):
        compact = compact[3:]
    elif compact.startswith('0086'):
        compact = compact[4:]
    if not compact.isdigit():
        raise PhoneError("号码只能包含数字")
    if compact.startswith('1') and len(compact) in (7, 8):
        raise PhoneError("固定电话需带区号，例如 021-12345678")
    if compact.startswith('1'):
        # Any 1[3-9] + 9 digits: carriers open new segments faster than
        # libraries learn them, and refusing a real customer is worse.
        if not _MOBILE.match(compact):
            raise PhoneError("手机号码应为以1开头的11位数字")
        found = MOBILE
        e164 = '+86' + compact
    else:
        if not compact.startswith(('0', '400', '800')):
            raise PhoneError("固定电话需带区号，例如 021-12345678")
        found = LANDLINE
        try:
            number = phonenumbers.parse(compact, 'CN')
        except NumberParseException as exception:
            raise PhoneError("号码格式不正确") from exception
        if not phonenumbers.is_valid_number(number):
            raise PhoneError("区号或号码位数不正确，例如 021-12345678")
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if kind and kind != found:
        raise PhoneError(
            "应填写手机号码" if kind == MOBILE else "应填写固定电话")
    if extension:
        if not extension.isdigit():
            raise PhoneError("分机号只能包含数字")
        e164 += ';ext=' + extension
    return found, e164


def is_valid(value, kind=None):
    try:
        parse(value, kind)
    except PhoneError:
        return False
    return True


def normalize(value):
    "The E.164 form used to search and detect duplicates, or None."
    try:
        return parse(value)[1]
    except PhoneError:
        return None


def national(value):
    "The national form shown to Chinese users: 138 1234 5678, 021 1234 5678."
    try:
        _, e164 = parse(value)
    except PhoneError:
        return value
    base, _, extension = e164.partition(';ext=')
    text = phonenumbers.format_number(
        phonenumbers.parse(base, 'CN'), PhoneNumberFormat.NATIONAL)
    return f'{text} 转{extension}' if extension else text


def mask(value):
    """Keep the first 3 and last 4 digits: 138****5678.

    Used in lists and API answers for roles that must not see full numbers.
    """
    if not value:
        return value
    digits = re.sub(r'\D', '', re.split('[转#;]', value)[0])
    if digits.startswith('86') and len(digits) == 13:
        digits = digits[2:]
    if len(digits) <= 7:
        return '*' * len(digits)
    return digits[:3] + '*' * (len(digits) - 7) + digits[-4:]
