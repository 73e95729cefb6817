"""`adapter` for sqlfluff's jinja templater: a dispatched macro renders as a call of a function of its name,
valid SQL in the shape the linter checks (the macros themselves are tested by dbt on both engines)."""


def dispatch(macro_name, macro_namespace=None):
    def call(*args, **kwargs):
        return f"{macro_name}({', '.join(str(a) for a in [*args, *kwargs.values()])})"

    return call


def get_relation(database=None, schema=None, identifier=None):
    return f"{schema}.{identifier}"
