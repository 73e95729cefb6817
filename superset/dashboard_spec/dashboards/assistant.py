"""智能客服 (assistant): the service assistant's charts, in the order they are laid out (marts/assistant)."""

from dashboard_spec.metrics import CONTAINMENT, HANDOFF_RATE, MESSAGES, P95_LATENCY
from dashboard_spec.model import Chart, Dashboard, metric, where

DASHBOARD = Dashboard(
    "assistant",
    "智能客服",
    "7×24 智能客服：各渠道消息量、自助解决率（无需人工的答复占比）、答复类型、转人工原因与 P95 时延，按渠道和日期。",
    [
        [
            Chart(
                "messages", "智能客服消息量", "assistant_kpis", "big_number", [MESSAGES], time="message_date", width=3
            ),
            Chart(
                "containment",
                "自助解决率",
                "assistant_kpis",
                "big_number",
                [CONTAINMENT],
                time="message_date",
                width=3,
                y_format=".1%",
            ),
            Chart(
                "handoff_rate",
                "转人工率",
                "assistant_kpis",
                "big_number",
                [HANDOFF_RATE],
                time="message_date",
                width=3,
                y_format=".1%",
            ),
            Chart(
                "p95", "P95时延（毫秒）", "assistant_kpis", "big_number", [P95_LATENCY], time="message_date", width=3
            ),
        ],
        [
            Chart(
                "containment_daily",
                "每日自助解决率（按渠道）",
                "assistant_kpis",
                "timeseries_line",
                [CONTAINMENT],
                groupby=["channel_zh"],
                x="message_date",
                grain="P1D",
                time="message_date",
                x_title="日期",
                y_title="自助解决率",
                y_format=".0%",
            ),
            Chart(
                "latency_daily",
                "每日P95时延（按渠道，毫秒）",
                "assistant_kpis",
                "timeseries_line",
                [metric("MAX(p95_latency_ms)", "P95时延（毫秒）")],
                groupby=["channel_zh"],
                x="message_date",
                grain="P1D",
                time="message_date",
                x_title="日期",
                y_title="毫秒",
            ),
        ],
        [
            Chart(
                "answer_kinds",
                "答复类型",
                "assistant_answers",
                "pie",
                [MESSAGES],
                groupby=["answer_kind_zh"],
                time="message_date",
                width=4,
            ),
            Chart(
                "handoff_reasons",
                "转人工原因",
                "assistant_answers",
                "category_bar",
                [MESSAGES],
                x="answer_reason_zh",
                filters=[where("answer_kind = 'handoff'")],
                time="message_date",
                x_title="原因",
                y_title="消息量",
                width=4,
            ),
            Chart(
                "channel_table",
                "各渠道智能客服",
                "assistant_kpis",
                "table",
                [MESSAGES, CONTAINMENT, HANDOFF_RATE, P95_LATENCY],
                groupby=["channel_zh"],
                time="message_date",
                order=[("消息量", False)],
                width=4,
            ),
        ],
    ],
)
