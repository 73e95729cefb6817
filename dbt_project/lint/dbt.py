"""dbt's cross-database macros as sqlfluff's jinja templater renders them (DuckDB's spelling), so the models
lint without a database or a dbt parse. Only the shape matters to the linter, not the exact SQL."""


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def bool_or(expression):
    return f"bool_or({expression})"


def type_string():
    return "varchar"
