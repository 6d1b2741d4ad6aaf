"""IntegerField's __in (procedures/lookups.py): numbers past the column's range match nothing."""

import pytest

from procedures.models import Volume
from tests.factories import VolumeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**30])
def test_a_number_past_the_column_is_left_out_of_in(huge):
    volume = VolumeFactory()
    assert list(Volume.objects.filter(pk__in=[volume.pk, huge])) == [volume]
    assert not Volume.objects.filter(pk__in=[huge]).exists()
    assert Volume.objects.exclude(pk__in=[huge]).count() == 1
