"""Objects the checklists tests share."""

from checklists import transitions
from checklists.models import Client
from tests.factories import approved_revision
from tests.roles import make_user

BODY = """# Before you start

- [ ] **Back up** the [mailbox](https://example.com/backup)
    - [ ] Check the backup's size

## Do it

- [ ] Reset the password
- [ ] Tell the user

```
- [ ] not a step: in a code block
```
"""


def make_client(name="Acme Ltd", code="ACME", **fields):
    return Client.objects.create(name=name, code=code, **fields)


def make_run(*, user=None, revision=None, client=None, **fields):
    user = user or make_user("reader", username="tech-1")
    revision = revision or approved_revision(body=BODY)
    client = client or make_client()
    return transitions.run_start(revision=revision, client=client, user=user, **fields)
