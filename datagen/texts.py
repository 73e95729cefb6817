"""Chinese text: customer messages for the eight intents, follow-ups, and agents' ticket descriptions.

Messages are assembled from pieces (opener, core sentence, story sentences, closer) chosen at random, then
styled by channel: IVR speech-to-text has no punctuation and has fillers, WeChat has short lines and
emoticon codes, counter notes are written by staff. A share of messages are bare fragments ("报修"), some
carry typos (电废, 停点) and numbers (account, amounts, phone numbers) as real ones do.
"""

from __future__ import annotations

import re

import numpy as np

from domain.codes import CHANNELS, INTENTS

# Per intent: (fragments, core sentences, story sentences). Slots in braces are filled per message.
MESSAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "bill_inquiry": (
        ("查电费", "查余额", "电费多少", "这个月电费", "账单", "余额查询", "查下电费", "电费?"),
        (
            "我想查一下{month}月份的电费是多少",
            "户号{acct}，帮我查下余额还剩多少",
            "这个月电费怎么要{amount}元啊，比上个月多了好多",
            "为什么我家{month}月电费突然这么高，家里就两个人住",
            "电费单上的峰谷电量是什么意思，看不懂",
            "我家电表读数是{reading}，这个月要交多少钱",
            "帮忙查一下户号{acct}有没有欠费",
            "收到短信说电费余额不足，可是我上周刚充了{amount}元",
            "阶梯电价第二档是怎么算的，我这个月用了{kwh}度",
            "请问{month}月的电费账单什么时候出",
        ),
        (
            "上个月才{amount2}元，这个月一下子翻倍了，空调也没怎么开。",
            "家里老人一个人住，平时用电很少的。",
            "是不是电表有问题，走得特别快？",
            "我在外地打工，房子一直空着，怎么还有电费。",
            "麻烦把明细发我看看，我要核对一下。",
        ),
    ),
    "payment": (
        ("交电费", "缴费", "怎么交费", "充值", "交费失败", "扣款", "交费"),
        (
            "微信交电费交了{amount}元，怎么显示没到账",
            "我想办个自动扣款，用工商银行的卡可以吗",
            "户号{acct}，刚刚充值{amount}元，还是显示欠费",
            "重复交费了，交了两次{amount}元，能退吗",
            "网上国网app上怎么交电费啊",
            "欠费停电了，交了钱多久能来电",
            "帮邻居交电费交错户号了，怎么办",
            "营业厅几点下班，我想去交现金",
        ),
        (
            "支付宝扣了钱，但是系统一直显示处理中。",
            "已经交了钱两个小时了还没送电，冰箱里东西都要坏了。",
            "另外发票在哪里开？",
            "我手机号{phone}，有结果发短信给我。",
        ),
    ),
    "outage_inquiry": (
        ("停电了", "停电了？", "怎么又停电", "什么时候来电", "停电通知", "没电了", "停电"),
        (
            "{addr}这边停电了，请问什么时候能恢复",
            "我们小区整栋楼都没电了，是计划停电吗",
            "怎么又停电了，这个月都第三次了",
            "请问{day}号是不是有计划停电，我要提前准备",
            "附近几栋楼都黑了，是线路出问题了吗",
            "村里全停了，大概要停多久",
            "停电{hours}个小时了，到底什么时候来电",
        ),
        (
            "家里有老人和小孩，这么热的天没空调受不了。",
            "冰箱里的东西都快化了。",
            "家里养了鱼，氧气泵不能停啊！",
            "孩子在家上网课，作业都交不了。",
            "隔壁邻居家好像有电，就我们这排没电。",
        ),
    ),
    "fault_repair": (
        ("报修", "跳闸了", "电表坏了", "报修！", "没电了 报修", "漏电", "电线冒火花", "修电"),
        (
            "我家跳闸了，合不上去，地址{addr}",
            "电表箱里有烧焦的味道，麻烦派人来看看",
            "门口的电线被树压断了，很危险",
            "家里电压忽高忽低，灯一直在闪",
            "一开空调就跳闸，自己弄不好",
            "户号{acct}，家里一半有电一半没电",
            "楼道里的电表箱在冒烟！",
            "漏电保护器老是跳，麻烦师傅上门看看",
            "电表屏幕不亮了，也不走字",
            "村口的变压器嗡嗡响，还冒火花",
        ),
        (
            "昨天晚上打雷以后就这样了。",
            "已经把家里电器都拔了，还是跳。",
            "家里老人一个人在家，不会弄，麻烦快点。",
            "我电话{phone}，到了打我电话。",
            "之前报过一次修，师傅来了说好了，结果今天又坏了。",
        ),
    ),
    "service_application": (
        ("过户", "新装", "增容", "办电", "改户名", "装充电桩", "报装"),
        (
            "我新买的房子，想办理电表过户，需要带什么材料",
            "家里想装个充电桩，要怎么申请",
            "店里要增容，现在{kva}千伏安不够用",
            "新建的厂房要报装用电，流程是怎样的",
            "想把户名改成我爱人的名字",
            "我想申请峰谷电，怎么办理",
            "农村自建房要接电，去哪里申请",
            "屋顶光伏发电要并网，要怎么办",
        ),
        (
            "身份证和房产证我都准备好了。",
            "上次来营业厅说材料不全，这次都带齐了。",
            "希望能尽快，下个月就要开业了。",
            "地址是{addr}。",
        ),
    ),
    "tariff_policy": (
        ("电价", "峰谷电价", "阶梯电价", "电价多少", "谷时几点"),
        (
            "现在居民电价是多少钱一度",
            "阶梯电价每年什么时候清零",
            "峰谷电的谷时是几点到几点",
            "我家是普通电价，换成峰谷的划算吗",
            "一户多人口的电价优惠怎么申请",
            "商业用电和居民用电价格差多少",
            "听说夏天电价要涨，是真的吗",
        ),
        (
            "家里晚上用电多，白天没人。",
            "我家五口人，每个月都超第二档。",
            "每个月大概用{kwh}度电。",
        ),
    ),
    "complaint": (
        ("投诉", "我要投诉", "投诉！！", "太差了", "没人管吗"),
        (
            "报修了{hours}个小时了还没人来，什么服务",
            "你们的师傅上门态度很差，还乱收费",
            "一个月停了好几次电，也不提前通知",
            "打你们电话一直占线，根本打不进来",
            "抄表员估抄电量，我家电费多收了{amount}元",
            "施工把我家院子挖了不恢复",
            "说好今天上午来，等了一上午没人",
        ),
        (
            "我要求给个说法。",
            "再不解决我就打12345了。",
            "已经是第二次投诉了。",
            "家里的冰箱因为电压不稳烧坏了，谁来赔？",
        ),
    ),
    "praise_suggestion": (
        ("表扬", "谢谢师傅", "建议", "点赞", "好评"),
        (
            "表扬一下今天来修电的师傅，大热天干活很辛苦",
            "感谢{worker}师傅，半夜还来帮我们抢修",
            "建议停电通知能提前在微信上发",
            "app交费很方便，就是字太小，老人看不清",
            "营业厅的小姑娘服务很好，很耐心",
            "建议小区里多装几个充电桩",
        ),
        (
            "一个小时就修好了，效率很高。",
            "希望你们继续保持。",
            "给你们点个赞！",
        ),
    ),
}
# A customer chasing an earlier request (催单), and one switching channel because nobody answered.
FOLLOW_UPS = (
    "怎么还没人来",
    "我之前报过了，到底什么时候来",
    "催一下，都{hours}个小时了",
    "上午打过电话了，还是没人处理",
    "又打一次，还是没解决",
    "工单号是多少？处理到哪一步了",
    "你们到底管不管啊",
)
CHANNEL_SWITCHES = (
    "我在微信上报了没人回，所以打电话问问",
    "刚才在公众号留言了，一直没回复",
    "微信上说有人联系我，到现在也没人打电话",
)
THANKS_AFTER_REPAIR = (
    "电来了，谢谢师傅",
    "修好了，辛苦了",
    "已经恢复了，谢谢你们",
    "师傅来得挺快的，点赞",
)
_OPENERS = {
    "app": ("", "", "您好，", "你好，"),
    "wechat": ("", "", "您好，", "你好", "在吗？", "客服你好，", "[微笑]", "请问"),
    "ivr": ("喂", "喂 你好", "那个", "你好 我想问一下", "", "嗯"),
    "counter": ("客户到厅反映：", "客户来营业厅称", "客户现场咨询："),
}
_CLOSERS = {
    "app": ("", "", "谢谢", "谢谢！", "请尽快处理"),
    "wechat": ("", "", "谢谢", "麻烦快点", "急！！", "[抱拳]", "谢谢了", "??"),
    "ivr": ("", "谢谢", "就这样", "麻烦快点"),
    "counter": ("", "", "已告知客户。"),
}
_IVR_FILLERS = ("嗯", "就是", "那个", "然后")
TYPOS = {
    "电费": "电废",
    "停电": "停点",
    "怎么": "怎莫",
    "师傅": "师父",
    "已经": "以经",
    "什么": "神马",
    "一下": "一哈",
    "麻烦": "麻凡",
    "知道": "知到",
    "账单": "帐单",
}
_TYPO_RE = re.compile("|".join(TYPOS))
# ASCII "." "," ":" inside numbers (238.32, 10:30) are spoken digits, not punctuation.
_PUNCTUATION_RE = re.compile(r"[，。！？、：；!?;]+|(?<!\d)[.,:](?!\d)")

# Message kinds: the first contact about a matter, a repeat contact, a channel switch, a thank-you.
KIND_FIRST, KIND_FOLLOW_UP, KIND_SWITCH, KIND_THANKS = 0, 1, 2, 3


def _bill_month(rng: np.random.Generator, months: np.ndarray) -> np.ndarray:
    """The month a customer asks about: usually last month's bill, sometimes the current one."""
    previous = (months - 2) % 12 + 1
    return np.where(rng.random(len(months)) < 0.7, previous, months)


def _slot_values(rng: np.random.Generator, months: np.ndarray) -> dict[str, np.ndarray]:
    n = len(months)
    return {
        "month": _bill_month(rng, months),
        "amount": np.round(rng.lognormal(np.log(180), 0.6, n), 2),
        "amount2": rng.integers(40, 200, n),
        "reading": rng.integers(1000, 60000, n),
        "kwh": rng.integers(120, 900, n),
        "hours": rng.integers(2, 9, n),
        "day": rng.integers(1, 29, n),
        "kva": rng.choice([50, 80, 100, 160], n),
    }


class _Slots:
    """The slot values of message i, looked up only for the slots its template uses (format_map)."""

    __slots__ = ("columns", "i")

    def __init__(self, columns: dict[str, list], i: int):
        self.columns, self.i = columns, i

    def __getitem__(self, key: str):
        return self.columns[key][self.i]


def compose_messages(
    rng: np.random.Generator,
    intents: np.ndarray,
    kinds: np.ndarray,
    channels: np.ndarray,
    accounts: list[str | None],
    addresses: list[str | None],
    phones: list[str | None],
    workers: list[str | None],
    months: np.ndarray,
) -> list[str]:
    """One message per row; `intents` and `channels` index INTENTS and CHANNELS, `kinds` is a KIND_* code.

    `months` is the calendar month each message is sent in (bills asked about are last month's or this one's).
    """
    n = len(intents)
    style = rng.random(n).tolist()  # < 0.15 fragment, < 0.65 one sentence, else a longer story
    picks = rng.integers(0, 1 << 30, (n, 6)).tolist()
    typo = (rng.random(n) < 0.08).tolist()
    columns = {k: v.tolist() for k, v in _slot_values(rng, np.asarray(months)).items()}
    columns.update(
        acct=[a or "不记得了" for a in accounts],
        addr=[a or "我们这" for a in addresses],
        phone=[x or "不方便说" for x in phones],
        worker=[w or "王" for w in workers],
    )
    intents, kinds, channels = np.asarray(intents).tolist(), np.asarray(kinds).tolist(), np.asarray(channels).tolist()
    out = []
    # Thousands of messages a day at most: a Python pass per message is cheap next to the readings.
    for i in range(n):
        channel = CHANNELS[channels[i]]
        fragments, cores, stories = MESSAGES[INTENTS[intents[i]]]
        p, kind = picks[i], kinds[i]
        if kind == KIND_FOLLOW_UP:
            body = FOLLOW_UPS[p[1] % len(FOLLOW_UPS)]
            if style[i] > 0.6:
                body += "，" + cores[p[2] % len(cores)]
        elif kind == KIND_SWITCH:
            body = CHANNEL_SWITCHES[p[1] % len(CHANNEL_SWITCHES)] + "，" + cores[p[2] % len(cores)]
        elif kind == KIND_THANKS:
            body = THANKS_AFTER_REPAIR[p[1] % len(THANKS_AFTER_REPAIR)]
        elif style[i] < 0.15 and channel != "counter":
            out.append(fragments[p[1] % len(fragments)])
            continue
        else:
            body = cores[p[1] % len(cores)]
            if style[i] >= 0.65:
                body += "，" + stories[p[2] % len(stories)]
                if style[i] >= 0.85 and len(stories) > 1:
                    body += stories[(p[2] + 1 + p[3] % (len(stories) - 1)) % len(stories)]
        text = body.format_map(_Slots(columns, i))
        openers, closers = _OPENERS[channel], _CLOSERS[channel]
        text = openers[p[4] % len(openers)] + text + closers[p[5] % len(closers)]
        if channel == "ivr":
            # Speech-to-text output: no punctuation, sometimes a hesitation between phrases.
            separator = " " + _IVR_FILLERS[p[0] % len(_IVR_FILLERS)] + " " if p[0] % 3 == 0 else " "
            text = separator.join(x for x in _PUNCTUATION_RE.split(text) if x)
        if typo[i]:
            text = _TYPO_RE.sub(lambda m: TYPOS[m.group(0)], text, count=1)
        out.append(text.strip() or fragments[0])
    return out


# Agents' ticket descriptions, per ticket type. Some quote the customer (with ASCII quotes and commas),
# which exercises CSV quoting.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "fault_repair": (
        "客户反映{symptom}，地址：{addr}，请尽快派员处理。",
        '{addr}客户报修：{symptom}。客户称"家里有老人"，要求尽快到场。',
        "客户来电报修，{symptom}，联系电话{phone}。",
        "{symptom}，客户已自行检查户内开关，无法恢复。",
    ),
    "outage_inquiry": (
        "客户咨询停电原因及恢复时间，地址：{addr}。",
        "客户反映所在片区停电，已告知抢修进度。",
        '客户询问"什么时候来电"，已解释为{cause}。',
    ),
    "bill_inquiry": (
        "客户对{month}月电费{amount}元有异议，认为电量偏高，申请核查。",
        "客户查询电费余额，已告知。",
        "客户咨询电费账单中峰、谷电量构成，已解释。",
    ),
    "payment": (
        "客户反映线上缴费{amount}元未到账，请核实。",
        "客户申请办理银行代扣业务。",
        "客户重复缴费，申请退费{amount}元。",
    ),
    "service_application": (
        "客户申请{service}，资料已收，需现场勘查。",
        "客户咨询{service}办理流程及所需材料，已预约上门。",
    ),
    "tariff_policy": (
        "客户咨询阶梯电价政策，已解释。",
        "客户咨询峰谷分时电价时段，已告知谷段为23:00-07:00。",
        "客户咨询一户多人口电价申请条件。",
    ),
    "complaint": (
        "客户投诉{issue}，情绪激动，要求回复。",
        '客户投诉：{issue}。原话"再不处理就打12345"。',
        "客户再次来电投诉{issue}，要求主管回电。",
    ),
    "praise_suggestion": (
        "客户来电表扬抢修人员服务热情、处理及时。",
        "客户建议：{suggestion}",
    ),
    "preventive_maintenance": (
        "台区变压器{transformer}油温偏高，安排预防性检修。",
        "定期巡视：变压器{transformer}，检查油位、温度及接头。",
        "变压器{transformer}负载偏高，计划调整负荷并检修。",
    ),
}
_SYMPTOMS = (
    "户内停电",
    "总开关跳闸无法合上",
    "电压不稳、灯光闪烁",
    "表箱冒烟有焦味",
    "漏电保护器频繁动作",
    "入户线断落",
    "电表黑屏",
)
_SERVICES = ("居民新装", "过户", "增容", "充电桩报装", "光伏并网", "峰谷电申请")
_ISSUES = ("抢修人员到达不及时", "频繁停电", "服务态度差", "电费计算有误", "施工后未恢复现场", "热线难以接通")
_SUGGESTIONS = ("停电通知提前在微信公众号推送", "营业厅增加周末营业时间", "app增加老年模式")
_CAUSES = ("线路故障抢修", "计划检修", "雷雨天气导致线路跳闸", "变压器故障")


def compose_descriptions(
    rng: np.random.Generator,
    ticket_types: list[str],
    addresses: list[str],
    phones: list[str],
    transformers: list[str],
    months: np.ndarray,
) -> list[str]:
    """An agent's description for each ticket (created in `months`); about one in twenty is left empty."""
    n = len(ticket_types)
    picks = rng.integers(0, 1 << 30, (n, 3))
    empty = rng.random(n) < 0.05
    amounts = np.round(rng.lognormal(np.log(180), 0.6, n), 2)
    months = _bill_month(rng, np.asarray(months))
    out = []
    for i in range(n):
        if empty[i]:
            out.append("")
            continue
        p = picks[i]
        template = DESCRIPTIONS[ticket_types[i]][p[0] % len(DESCRIPTIONS[ticket_types[i]])]
        out.append(
            template.format(
                symptom=_SYMPTOMS[p[1] % len(_SYMPTOMS)],
                service=_SERVICES[p[1] % len(_SERVICES)],
                issue=_ISSUES[p[1] % len(_ISSUES)],
                suggestion=_SUGGESTIONS[p[1] % len(_SUGGESTIONS)],
                cause=_CAUSES[p[2] % len(_CAUSES)],
                addr=addresses[i],
                phone=phones[i],
                transformer=transformers[i],
                amount=amounts[i],
                month=months[i],
            )
        )
    return out
