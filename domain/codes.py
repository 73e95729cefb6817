"""The codes the landing contract allows (docs/landing_contract.md): channels, intents, ticket types, areas."""

from __future__ import annotations

CHANNELS = ("app", "wechat", "ivr", "counter")
# Customer intents, in this order everywhere (the intent model's label order included).
INTENTS = (
    "bill_inquiry",
    "payment",
    "outage_inquiry",
    "fault_repair",
    "service_application",
    "tariff_policy",
    "complaint",
    "praise_suggestion",
)
TICKET_TYPES = INTENTS + ("preventive_maintenance",)
TICKET_STATUSES = ("open", "dispatched", "resolved", "closed")
AREA_TYPES = ("urban", "rural", "remote")
CATEGORIES = ("residential", "commercial", "industrial", "agricultural")
TARIFFS = ("flat", "tiered", "tou")
# Where a customer wants proactive notices (主动服务): the messaging gateway delivers by WeChat, SMS or app push.
NOTIFY_CHANNELS = ("wechat", "sms", "app")

# How customers and staff read the codes (the codes themselves stay English in the warehouse): dashboards,
# the assistant's replies and notices show these.
TICKET_TYPE_LABELS_ZH = {
    "bill_inquiry": "电费查询",
    "payment": "缴费",
    "outage_inquiry": "停电咨询",
    "fault_repair": "故障报修",
    "service_application": "业务办理",
    "tariff_policy": "电价政策",
    "complaint": "投诉",
    "praise_suggestion": "表扬建议",
    "preventive_maintenance": "预防性维护",
}
INTENT_LABELS_ZH = {code: TICKET_TYPE_LABELS_ZH[code] for code in INTENTS}
CHANNEL_LABELS_ZH = {"app": "掌上电力App", "wechat": "微信", "ivr": "电话（IVR）", "counter": "营业厅"}
CATEGORY_LABELS_ZH = {"residential": "居民", "commercial": "商业", "industrial": "工业", "agricultural": "农业"}
NOTIFY_CHANNEL_LABELS_ZH = {"wechat": "微信", "sms": "短信", "app": "掌上电力App"}
# The service assistant's answers (智能客服) and why a message went to a person or was asked again; the reasons
# are stored with each message, told to the agent in the handoff summary and shown on the dashboard.
ANSWER_KIND_LABELS_ZH = {
    "account": "账户答复",
    "area_outage": "区域停电告知",
    "work_order": "生成抢修工单",
    "knowledge": "知识库答复",
    "handoff": "转人工",
    "clarify": "澄清追问",
}
ANSWER_REASON_LABELS_ZH = {
    "asked_for_agent": "客户要求人工服务",
    "out_of_scope": "超出智能客服服务范围",
    "low_confidence": "澄清后仍无法确定诉求",
    "complaint": "客户投诉",
    "no_answer": "知识库中无匹配答案",
    "unclear_intent": "诉求不明确",
    "unidentified": "需要户号或注册手机号",
}
