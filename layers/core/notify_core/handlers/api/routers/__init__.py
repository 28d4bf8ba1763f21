"""One router per area of the admin API (``include_router``): each file is its routes and nothing else.

``PUBLIC_ROUTERS`` are mounted under ``PUBLIC_PREFIX``, which the HTTP API serves **without** the JWT authorizer
(README "Admin API": unauthenticated routes, e.g. a signed one-click unsubscribe link). Every other router sits
behind the authorizer, and its routes read the caller from the verified claims only.
"""
