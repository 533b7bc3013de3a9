"""Calls a running Agora through a client generated from its OpenAPI document.

Usage: client_call.py PACKAGE_PARENT BASE_URL EMAIL PASSWORD
"""

import sys

sys.path.insert(0, sys.argv[1])
base_url, email, password = sys.argv[2:5]

from agora_client import AuthenticatedClient, Client  # noqa: E402
from agora_client.api.accounts import create_token, me  # noqa: E402
from agora_client.api.feeds import company_feed  # noqa: E402
from agora_client.api.posts import create_post  # noqa: E402
from agora_client.models import Credentials, NewPost, Problem  # noqa: E402

signed_in = create_token.sync(
    client=Client(base_url=base_url),
    body=Credentials(email=email, password=password),
)
assert not isinstance(signed_in, Problem) and signed_in is not None, signed_in

client = AuthenticatedClient(base_url=base_url, token=signed_in.token)
myself = me.sync(client=client)
assert myself.email == email and myself.kind.value == "admin", myself

post = create_post.sync(client=client, body=NewPost(body="Hello from a generated client #contract"))
assert post.tags == ["contract"], post

page = company_feed.sync(client=client, limit=5)
assert page.items[0].id == post.id, page

wrong = create_token.sync_detailed(
    client=Client(base_url=base_url),
    body=Credentials(email=email, password="not the password"),
)
assert wrong.status_code == 401 and wrong.parsed.code.value == "bad_credentials", wrong

print(f"generated client: signed in as {myself.name}, posted {post.id}, read it back")
