"""This project's own macros called by package name (`gridcare.incremental_date_filter(...)`), rendered for
sqlfluff as a boolean call of the macro's name; the macros are tested by dbt itself."""


def _call(name):
    def call(*args, **kwargs):
        return f"{name}({', '.join(repr(a) for a in [*args, *kwargs.values()])})"

    return call


incremental_date_filter = _call("incremental_date_filter")
delete_incremental_date_range = _call("delete_incremental_date_range")
requested_date_range_condition = _call("requested_date_range_condition")
incremental_month_filter = _call("incremental_month_filter")
delete_incremental_month_range = _call("delete_incremental_month_range")
