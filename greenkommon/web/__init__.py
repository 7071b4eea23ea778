"""``greenkommon serve``: a local web page for the members -- move a slider, see who gains.

The page (``static/``: plain HTML, one vanilla script, one style sheet, all package data) calls
the JSON API of :mod:`greenkommon.web.app`, which evaluates the requested settings with the same
functions as ``greenkommon run`` on cached weather, production and loads (:mod:`._engine`).
Nothing is fetched from the internet; nothing a user sets is kept on the server.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
