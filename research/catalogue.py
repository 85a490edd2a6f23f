"""S18: the listed futures and options products of the Chinese exchanges, as the catalogue is seeded (migration
0002; editable in the admin afterwards). Options carry the underlying's code; their name ends in 期权."""

FUTURES = {
    "SHFE": "cu 铜, al 铝, zn 锌, pb 铅, ni 镍, sn 锡, ao 氧化铝, au 黄金, ag 白银, rb 螺纹钢, wr 线材, hc 热轧卷板, "
            "ss 不锈钢, fu 燃料油, bu 石油沥青, ru 天然橡胶, sp 纸浆, br 丁二烯橡胶, op 胶版印刷纸",
    "INE": "sc 原油, lu 低硫燃料油, bc 国际铜, nr 20号胶, ec 集运指数（欧线）",
    "DCE": "c 玉米, cs 玉米淀粉, a 豆一, b 豆二, m 豆粕, y 豆油, p 棕榈油, jd 鸡蛋, lh 生猪, rr 粳米, fb 纤维板, "
           "bb 胶合板, l 聚乙烯, v 聚氯乙烯, pp 聚丙烯, eg 乙二醇, eb 苯乙烯, pg 液化石油气, j 焦炭, jm 焦煤, "
           "i 铁矿石, lg 原木",
    "CZCE": "WH 强麦, PM 普麦, CF 棉花, CY 棉纱, SR 白糖, OI 菜籽油, RM 菜籽粕, RS 油菜籽, RI 早籼稻, LR 晚籼稻, "
            "JR 粳稻, AP 苹果, CJ 红枣, PK 花生, TA PTA, MA 甲醇, FG 玻璃, SA 纯碱, UR 尿素, SF 硅铁, SM 锰硅, "
            "ZC 动力煤, PF 短纤, PX 对二甲苯, SH 烧碱, PR 瓶片",
    "GFEX": "si 工业硅, lc 碳酸锂, ps 多晶硅",
    "CFFEX": "IF 沪深300股指, IH 上证50股指, IC 中证500股指, IM 中证1000股指, TS 2年期国债, TF 5年期国债, "
             "T 10年期国债, TL 30年期国债",
}
OPTIONS = {
    "SHFE": "cu 铜, al 铝, zn 锌, ni 镍, sn 锡, au 黄金, ag 白银, rb 螺纹钢, ru 天然橡胶, br 丁二烯橡胶, ao 氧化铝",
    "INE": "sc 原油",
    "DCE": "m 豆粕, c 玉米, i 铁矿石, p 棕榈油, y 豆油, a 豆一, b 豆二, l 聚乙烯, v 聚氯乙烯, pp 聚丙烯, "
           "eg 乙二醇, pg 液化石油气, eb 苯乙烯, cs 玉米淀粉, jd 鸡蛋, lh 生猪",
    "CZCE": "SR 白糖, CF 棉花, TA PTA, MA 甲醇, RM 菜籽粕, OI 菜籽油, PK 花生, SA 纯碱, UR 尿素, SF 硅铁, SM 锰硅, "
            "AP 苹果, PX 对二甲苯, SH 烧碱, FG 玻璃",
    "GFEX": "si 工业硅, lc 碳酸锂, ps 多晶硅",
    "CFFEX": "IO 沪深300股指, HO 上证50股指, MO 中证1000股指",
}


def products() -> list[tuple[str, str, str, str]]:
    """(exchange, code, name, kind) of every product of the seed catalogue."""
    rows = []
    for kind, table, suffix in [("futures", FUTURES, ""), ("options", OPTIONS, "期权")]:
        for exchange, listing in table.items():
            for entry in listing.split(", "):
                code, name = entry.split(" ", 1)
                rows.append((exchange, code, name + suffix, kind))
    return rows


DISCLOSURES = {
    "daily": "风险提示：本报告仅供参考，不构成投资建议。期货交易风险较大，请根据自身风险承受能力谨慎决策。",
    "weekly": "风险提示：本报告仅供参考，不构成投资建议。期货交易风险较大，请根据自身风险承受能力谨慎决策。",
    "monthly": "风险提示：本报告仅供参考，不构成投资建议。期货交易风险较大，请根据自身风险承受能力谨慎决策。",
    "special": "风险提示：本报告仅供参考，不构成投资建议。期货交易风险较大，请根据自身风险承受能力谨慎决策。",
    "plan": "风险提示：本方案基于公开信息和研究员的判断，不保证收益，过往表现不代表未来。期货及期权交易实行保证金"
            "制度，可能产生超过保证金的损失，请在充分了解风险、符合适当性要求的前提下审慎决策。",
    "tip": "风险提示：交易机会提示具有时效性，仅供参考，不构成具体的买卖点位建议。期货交易风险较大，请独立判断、"
           "控制仓位、设置风控。",
}
POINT_WORDS = ["买入", "卖出", "开仓", "平仓", "止损", "止盈", "做多", "做空", "加仓", "减仓", "进场", "出场"]
