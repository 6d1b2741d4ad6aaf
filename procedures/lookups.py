"""`__in` on an integer field leaves out the numbers the database cannot hold.

Django's own exact, gt, gte, lt and lte lookups on integer fields already treat a number
outside the column's range as matching nothing (IntegerFieldOverflow); `__in` did not, and on
SQLite a number past 64 bits in a list of ids (the selection of an admin action, a multiple
choice, the admin's autocomplete widget given ?section=99999999999999999999) made the driver
raise OverflowError, a server error. No row holds such a number, so leaving it out changes
no answer.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
