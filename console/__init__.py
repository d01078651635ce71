"""The web console: server-rendered Jinja2 pages on the same FastAPI application.

Pages read through the domains' services (never a second data path) and every change
goes through the JSON API the page calls with the session's CSRF header, so a browser
and a script are refused, audited and queued by the same code. `console.web` holds the
shared machinery (authentication of a page, rendering, errors); each page family lives
in its own module with its own router (`ROUTERS`).
"""
