"""System checks: a directory mapping that cannot be read stops `manage.py check` and startup,
not the first person's sign-in."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def directory_settings(app_configs, **kwargs):
    from . import directory_roles

    try:
        directory_roles.group_roles()
        directory_roles.unmapped_policy()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="people.E001")]
    return []
