"""Personal information (S9): encryption at rest, keyed lookup hashes, masking, and GB 11643 ID numbers.

ID and phone numbers are stored only as Fernet ciphertext plus an HMAC of the normalised value (exact lookup
without decrypting) and, for phones, the last four digits (search). The key comes from FUTCRM_PII_KEY alone.
"""

import datetime
import functools
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARACTERS = "10X98765432"
MOBILE_PATTERN = re.compile(r"^1\d{10}$")
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")

# First two digits of the administrative division code (GB/T 2260) → province-level region.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
}  # fmt: skip


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@functools.cache
def _lookup_key(key: str) -> bytes:
    # A key of its own for the lookup hashes, derived so that one secret (FUTCRM_PII_KEY) governs all PII.
    return hmac.new(key.encode(), b"futcrm:pii-lookup", hashlib.sha256).digest()


def encrypt(value: str) -> str:
    return _fernet(settings.PII_ENCRYPTION_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.PII_ENCRYPTION_KEY).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("PII ciphertext cannot be decrypted with the configured FUTCRM_PII_KEY") from error


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised ID or phone number; equal inputs give equal hashes, nothing leaks without the key."""
    return hmac.new(_lookup_key(settings.PII_ENCRYPTION_KEY), value.encode(), hashlib.sha256).hexdigest()


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value)


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


def is_whole_personal_number(term: str) -> bool:
    """A search term that is a whole phone or ID number (S9): never to travel in a URL, where access logs, proxies
    and browser histories keep it. Last-4 digits, names and account numbers may."""
    phone, id_number = normalise_phone(term.strip()), normalise_id_number(term)
    return is_valid_phone(phone) or bool(re.fullmatch(r"[0-9]{15}|[0-9]{17}[0-9X]", id_number))


def is_valid_phone(value: str) -> bool:
    """Mainland mobile `1\\d{10}` or a landline with area code (settlement-api.md, phone)."""
    return bool(MOBILE_PATTERN.match(value) or LANDLINE_PATTERN.match(value))


def id_card_check_character(first_17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_17, ID_CARD_WEIGHTS, strict=True))
    return ID_CARD_CHECK_CHARACTERS[total % 11]


def id_card_error(value: str) -> str | None:
    """Why an 18-character resident ID number (GB 11643) is invalid, or None if it is valid."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "must be 18 characters: 17 digits and a digit or X"
    if id_card_birth_date(value) is None:
        return "contains no valid birth date"
    if id_card_check_character(value[:17]) != value[17]:
        return "check digit does not match (GB 11643)"
    return None


def id_card_birth_date(value: str) -> datetime.date | None:
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def id_card_home_region(value: str) -> str:
    return PROVINCES.get(value[:2], "")


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if MOBILE_PATTERN.match(value):
        return f"{value[:3]}****{value[-4:]}"
    return "*" * max(len(value) - 4, 0) + value[-4:]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
