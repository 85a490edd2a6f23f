"""Settings for the test suite: the real PostgreSQL and Redis (embedded unless the URLs are set), in their own
data folder so a running development stack is never touched."""

import os
from pathlib import Path

os.environ.setdefault("FUTCRM_ENV", "test")
os.environ.setdefault("FUTCRM_DATA_DIR", str(Path(__file__).resolve().parent.parent / ".data" / "test"))

from futcrm.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses the default
AXES_ENABLED = True
SMS_BACKEND = "core.sms.LocmemBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The suite makes thousands of API calls, some with one token; tests/settlement/test_api_rate_limits.py sets a low
# rate of its own.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "100000/minute"}}  # noqa: F405
