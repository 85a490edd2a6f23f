"""English reads dates and times exactly as Chinese does (issue 36): futcrm/formats/zh_Hans/formats.py."""

from futcrm.formats.zh_Hans.formats import *  # noqa: F403
