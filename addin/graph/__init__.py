"""Microsoft Graph, the only home of msgraph-sdk, kiota and httpx.

Import it lazily (inside the function that needs Graph): importing msgraph costs
about a second and ~1,700 modules, which the CLI and the web server must not pay at
start-up when no Graph call is made.

    GraphSettings(token_provider=..., base_url=..., ...)  # the edges pass OKR_GRAPH_BASE_URL
    GraphCalendar(settings)            # the Microsoft 365 calendar for addin.outlook.schedule
                                       # (apply, refresh, attach retro packs, cancel)
    GraphPermissionError               # 401/403 from Graph (an OkrError, code graph_permission_denied)
"""

from addin.graph.calendar import GraphCalendar
from addin.graph.client import (
    DEFAULT_BASE_URL,
    GraphPermissionError,
    GraphSettings,
    Stats,
)
from addin.graph.event_model import KEY_PROPERTY, to_event, transaction_id

__all__ = [
    "DEFAULT_BASE_URL",
    "GraphPermissionError",
    "GraphSettings",
    "Stats",
    "KEY_PROPERTY",
    "GraphCalendar",
    "to_event",
    "transaction_id",
]
