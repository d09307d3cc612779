"""The client's address, as the login lockout (django-axes) counts failures by it.

Behind a reverse proxy every connection comes from the proxy, so REMOTE_ADDR is the
proxy's address for every visitor: counted by it, five wrong passwords from anyone
would lock an account for everyone. Each proxy adds the address it received the
request from to a header (X-Forwarded-For: `client, proxy1, ..., proxyN-1`), and the
app sees the last proxy as REMOTE_ADDR. With TRUSTED_PROXY_COUNT = N the client is
the N-th address from the right: what the outermost of our proxies saw. Anything
left of it was written by the client and is not trusted.

A request whose header has fewer entries than there are trusted proxies did not come
through all of them; its client is unknown, and REMOTE_ADDR (the nearest address we
do know) counts, as it does for a value that is not an IP address. With no trusted
proxy (the default) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = "HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_")
    hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote
