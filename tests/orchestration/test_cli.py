"""What `python -m orchestration run` prints when a step fails (orchestration/cli.py)."""

from dagster._utils.error import serializable_error_info_from_exc_info

from orchestration.cli import _innermost


def _error_info(exc: BaseException):
    try:
        raise exc
    except BaseException as raised:
        return serializable_error_info_from_exc_info((type(raised), raised, raised.__traceback__))


def test_a_failed_dbt_step_is_summarised_with_dbt_s_own_error_lines():
    """dagster-dbt's message starts with the whole command line; the model and database error come after its
    fixed heading, and they are what the run's summary must show."""
    message = (
        "The dbt CLI process with command\n\n`dbt build --select fqn:*`\n\nfailed with exit code `1`. Check the stdout"
        " in the Dagster compute logs for the full information about the error.\n\nErrors parsed from dbt logs:\n\n"
        "Database Error in model fct_daily_consumption (models/marts/fct_daily_consumption.sql)\n"
        "  TransactionContext Error: Failed to commit: conflict on table readings\n\n"
        + "\n".join(f"more {i}" for i in range(10))
    )
    summary = _innermost(_error_info(RuntimeError(message)))
    assert "Errors parsed from dbt logs: Database Error in model fct_daily_consumption" in summary
    assert "Failed to commit: conflict on table readings" in summary
    assert "more 3" in summary and "more 4" not in summary  # six lines of dbt's errors, not all


def test_other_failures_keep_the_first_lines_of_the_innermost_cause():
    cause = ValueError("readings.csv line 7, column kwh: not a number\nsecond\nthird\nfourth")
    error = RuntimeError("step failed")
    error.__cause__ = cause
    assert _innermost(_error_info(error)) == "ValueError: readings.csv line 7, column kwh: not a number second third"
