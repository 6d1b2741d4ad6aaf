"""Domain events of people, for the apps that keep records of them (people imports none).

`groups_changed`: a people transition changed the person's groups; sent in its transaction
with the ids of the groups `joined` and `left`. compliance records the membership trail from
it (a new hire's "read these within N days" counts from joining the group).
"""

from django.dispatch import Signal

groups_changed = Signal()
