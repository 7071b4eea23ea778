"""Eligibility of an extended collective self-consumption operation (being split; see the next commit)."""

from .checks import *  # noqa: F403
from .checks import __all__ as __all__
from .checks import _DISTANCE_SLACK_KM as _DISTANCE_SLACK_KM
from .checks import MAX_VENUES_FOR_SUBSETS as MAX_VENUES_FOR_SUBSETS
from .checks import check_operation as check_operation
