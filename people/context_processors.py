from . import policy


def people_nav(request):
    """What the menu offers about people: the People page to administrators, Change password
    to accounts whose password is kept here."""
    user = request.user
    return {
        "people_nav": {
            "can_manage": policy.can_manage_people(user),
            "can_change_password": user.is_authenticated and policy.uses_local_password(user),
        }
    }
