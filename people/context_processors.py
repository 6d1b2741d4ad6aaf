from . import policy


def people_nav(request):
    """What the menu offers about people: the People page to administrators."""
    return {"people_nav": {"can_manage": policy.can_manage_people(request.user)}}
