"""Locale formatting (numbers, RUB, m:ss, pp, % changes) and the report's Russian/English text."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

NBSP = "\u00a0"
MONTHS_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip

TEXT: dict[str, dict[str, str]] = {
    "title": {"ru": "Еженедельный отчёт: звонки и продажи", "en": "Weekly report: calls and sales"},
    "week": {"ru": "Неделя {name}: {start} — {end}", "en": "Week {name}: {start} – {end}"},
    "compared": {"ru": "Сравнение с неделей {name}", "en": "Compared with week {name}"},
    "not_published": {
        "ru": "ВНИМАНИЕ: этот запуск не опубликовал витрины",
        "en": "WARNING: this run did not publish the marts",
    },
    "missing_file": {
        "ru": "Опубликованный файл витрин не найден: {path}. Цифр за неделю нет.",
        "en": "The published marts file was not found: {path}. There are no figures for the week.",
    },
    "stale_detail": {
        "ru": "Запуск {failed} не опубликовал витрины (скорее всего, не прошла блокирующая "
        "проверка). Показан прежний снимок, опубликованный {published} (запуск {run}). Цифры "
        "ниже — НЕ свежие.",
        "en": "Run {failed} did not publish the marts (most likely a blocking check failed). "
        "This is the earlier snapshot published {published} (run {run}). The figures below are "
        "NOT new.",
    },
    "week_missing": {
        "ru": "В опубликованных витринах нет недели {name} (последняя опубликованная: {latest}).",
        "en": "The published marts have no week {name} (latest published: {latest}).",
    },
    "source": {
        "ru": "Источник: опубликованные витрины {path}, опубликованы {published}.",
        "en": "Source: published marts {path}, published {published}.",
    },
    "small_week": {
        "ru": "Мало данных: {calls} звонков за неделю (нужно не меньше {min_calls}). Цифры "
        "приведены для справки, рекомендаций нет — выборка слишком мала для выводов.",
        "en": "Too little data: {calls} calls this week (at least {min_calls} needed). The "
        "figures are shown for reference; there is no advice, the sample is too small.",
    },
    "s_raw": {"ru": "1. Звонки", "en": "1. Calls"},
    "s_conv": {"ru": "2. Конверсия и деньги", "en": "2. Conversion and money"},
    "s_analysis": {"ru": "3. Анализ", "en": "3. Analysis"},
    "s_plan": {"ru": "4. План на следующую неделю", "en": "4. Plan for next week"},
    "s_charts": {"ru": "Графики", "en": "Charts"},
    "metric": {"ru": "Показатель", "en": "Figure"},
    "this_week": {"ru": "Эта неделя", "en": "This week"},
    "change": {"ru": "Изменение", "en": "Change"},
    "calls": {"ru": "Входящие звонки", "en": "Inbound calls"},
    "quality_calls": {"ru": "Качественные звонки (от 60 с)", "en": "Quality calls (60 s+)"},
    "avg_talk": {"ru": "Средняя длительность разговора", "en": "Average talk time"},
    "missed_calls": {"ru": "Пропущенные звонки", "en": "Missed calls"},
    "application_calls": {"ru": "Звонки с заявкой", "en": "Application calls"},
    "application_rate": {"ru": "Доля звонков с заявкой", "en": "Application rate"},
    "applications": {"ru": "Заявки", "en": "Applications"},
    "won_applications": {"ru": "Заявки, ставшие сделками", "en": "Applications won"},
    "deal_rate": {"ru": "Доля заявок, ставших сделками", "en": "Deal rate"},
    "maturing": {
        "ru": "когорта ещё дозревает: сделки по заявкам этой недели продолжают закрываться",
        "en": "cohort still maturing: this week's applications are still closing",
    },
    "deals_won": {"ru": "Выиграно сделок за неделю", "en": "Deals won in the week"},
    "revenue_won": {"ru": "Выручка по выигранным сделкам", "en": "Revenue won"},
    "spend": {"ru": "Расходы на рекламу (без НДС)", "en": "Ad spend (excl. VAT)"},
    "cac": {"ru": "Стоимость сделки (CAC)", "en": "Cost per deal (CAC)"},
    "romi": {"ru": "ROMI", "en": "ROMI"},
    "views_note": {
        "ru": "Звонки, заявки и сделки по заявкам — по неделе звонка (когорта); выигранные "
        "сделки, выручка и расходы — по неделе, когда они случились.",
        "en": "Calls, applications and won applications count by the week of the call (cohort); "
        "deals won, revenue and spend by the week they happened.",
    },
    "reasons_title": {"ru": "Причины отказов за неделю", "en": "Refusal reasons this week"},
    "reasons_overall": {"ru": "Все каналы", "en": "All channels"},
    "reason": {"ru": "Причина", "en": "Reason"},
    "lost_leads": {"ru": "Потерянные лиды", "en": "Lost leads"},
    "share": {"ru": "Доля", "en": "Share"},
    "no_reasons": {"ru": "За неделю нет потерянных лидов.", "en": "No leads were lost this week."},
    "channel": {"ru": "Канал", "en": "Channel"},
    "ranking_title": {
        "ru": "Каналы с самой низкой и самой высокой долей заявок (от {min} звонков)",
        "en": "Channels with the lowest and highest application rate ({min}+ calls)",
    },
    "lowest": {"ru": "Ниже всех", "en": "Lowest"},
    "highest": {"ru": "Выше всех", "en": "Highest"},
    "interval": {"ru": "95% интервал", "en": "95% interval"},
    "no_ranking": {
        "ru": "Ни у одного канала нет {min} звонков — сравнивать нечего.",
        "en": "No channel has {min} calls: nothing to compare.",
    },
    "channels_title": {"ru": "Каналы за неделю", "en": "Channels this week"},
    "cost_per_quality_call": {"ru": "Цена качеств. звонка", "en": "Cost / quality call"},
    "problems_title": {
        "ru": "Технические и организационные проблемы",
        "en": "Technical and organisational problems",
    },
    "missed_rate": {"ru": "Доля пропущенных звонков", "en": "Missed-call rate"},
    "short_calls": {"ru": "Короткие звонки (до 30 с)", "en": "Short calls (under 30 s)"},
    "unattributed_calls": {"ru": "Звонки без источника", "en": "Unattributed calls"},
    "dq_title": {"ru": "Заполнение CRM менеджерами", "en": "CRM fill-in by managers"},
    "manager": {"ru": "Менеджер", "en": "Manager"},
    "status_fill": {"ru": "Статусы", "en": "Statuses"},
    "outcome_fill": {"ru": "Итоги звонков", "en": "Outcomes"},
    "score_fill": {"ru": "Оценки", "en": "Scores"},
    "reason_fill": {"ru": "Причины отказа", "en": "Reasons"},
    "stale_leads": {"ru": "Зависшие лиды", "en": "Stale leads"},
    "dq_clean": {
        "ru": "Все менеджеры заполнили CRM не хуже порога {min}, зависших лидов нет.",
        "en": "Every manager filled the CRM at {min} or better; no stale leads.",
    },
    "dq_missing": {
        "ru": "Витрина data_quality_weekly не опубликована — заполнение CRM не проверено.",
        "en": "data_quality_weekly is not published: CRM fill-in was not checked.",
    },
    "checks_title": {"ru": "Проверки качества данных", "en": "Data-quality checks"},
    "check": {"ru": "Проверка", "en": "Check"},
    "table": {"ru": "Таблица", "en": "Table"},
    "severity": {"ru": "Уровень", "en": "Severity"},
    "failed": {"ru": "Нарушений", "en": "Failing"},
    "sample": {"ru": "Примеры", "en": "Sample"},
    "checks_ok": {"ru": "Все {n} проверок пройдены.", "en": "All {n} checks passed."},
    "checks_missing": {
        "ru": "Результаты проверок (data_quality_results) не опубликованы.",
        "en": "Check results (data_quality_results) are not published.",
    },
    "no_suggestions": {
        "ru": "Правила не нашли, что менять: ни одно не сработало.",
        "en": "No rule fired: nothing to change on these figures.",
    },
    "caveats_title": {"ru": "Недостаточно данных", "en": "Not enough data"},
    "rests_on": {"ru": "Основание", "en": "Based on"},
    "chart_trend": {
        "ru": "Доля заявок и доля сделок по неделям",
        "en": "Application rate and deal rate by week",
    },
    "chart_channels": {
        "ru": "Доля звонков с заявкой по каналам (95% интервал)",
        "en": "Application rate by channel (95% interval)",
    },
    "chart_money": {
        "ru": "Расходы и выручка по каналам, руб.",
        "en": "Spend and revenue won by channel, RUB",
    },
    "legend_spend": {"ru": "Расходы", "en": "Spend"},
    "legend_revenue": {"ru": "Выручка", "en": "Revenue won"},
    "legend_maturing": {"ru": "дозревает", "en": "maturing"},
    "sug_budget_move": {
        "ru": "Перенести часть бюджета из «{from_channel}» в «{to_channel}».",
        "en": "Move part of the budget from “{from_channel}” to “{to_channel}”.",
    },
    "why_budget_move": {
        "ru": "Качественный звонок в «{from_channel}» стоит {from_cost} — в {ratio} раза дороже "
        "медианы платных каналов ({median_cost}, порог {threshold}×; {from_quality_calls} "
        "качеств. звонков, расход {from_spend}); в «{to_channel}» — {to_cost} "
        "({to_quality_calls} качеств. звонков).",
        "en": "A quality call from “{from_channel}” costs {from_cost}, {ratio} times the paid "
        "channels' median of {median_cost} (threshold {threshold}×; {from_quality_calls} "
        "quality calls, spend {from_spend}); from “{to_channel}” it costs {to_cost} "
        "({to_quality_calls} quality calls).",
    },
    "sug_rate_drop": {
        "ru": "Разобраться с каналом «{channel}»: доля звонков с заявкой упала.",
        "en": "Look into “{channel}”: its application rate fell.",
    },
    "why_rate_drop": {
        "ru": "{previous_rate} → {rate} ({change_pp}; порог −{threshold_pp}), {previous_calls} → "
        "{calls} звонков, 95% интервал {low}–{high}.",
        "en": "{previous_rate} → {rate} ({change_pp}; threshold −{threshold_pp}), "
        "{previous_calls} → {calls} calls, 95% interval {low}–{high}.",
    },
    "sug_objection_script": {
        "ru": "Подготовить скрипт ответа на возражение «{reason}».",
        "en": "Write a script for the objection “{reason}”.",
    },
    "why_objection_script": {
        "ru": "Это главная причина отказа недели: {leads} из {lost_with_reason} потерянных лидов "
        "с указанной причиной ({share}; порог {threshold_share}).{channel_note}",
        "en": "It is the week's top refusal reason: {leads} of {lost_with_reason} lost leads with "
        "a reason ({share}; threshold {threshold_share}).{channel_note}",
    },
    "objection_channel": {
        "ru": " Чаще всего — в канале «{channel}» ({channel_share} его отказов).",
        "en": " Most often in “{channel}” ({channel_share} of its losses).",
    },
    "sug_manager_review": {
        "ru": "Прослушать звонки менеджера {manager} и разобрать их вместе.",
        "en": "Review calls of manager {manager} together with them.",
    },
    "why_manager_review": {
        "ru": "За {weeks} нед.: {deals} сделок при ожидаемых по каналам {expected_deals} "
        "(vs_channel_mix {vs_channel_mix}, порог {threshold}); {leads} лидов.",
        "en": "Over {weeks} weeks: {deals} deals where the channel mix predicts "
        "{expected_deals} (vs_channel_mix {vs_channel_mix}, threshold {threshold}); {leads} leads.",
    },
    "cav_budget_move_small": {
        "ru": "Перенос бюджета: у каналов {channels} меньше {min_quality_calls} качественных "
        "звонков — их цену звонка не сравниваем.",
        "en": "Budget move: {channels} had fewer than {min_quality_calls} quality calls; their "
        "cost per quality call is not compared.",
    },
    "cav_budget_move_few": {
        "ru": "Перенос бюджета: сравнимых платных каналов {eligible}, нужно не меньше "
        "{min_paid_channels} — правило не применялось.",
        "en": "Budget move: {eligible} comparable paid channels, at least {min_paid_channels} "
        "needed; the rule was not applied.",
    },
    "cav_rate_drop": {
        "ru": "«{channel}»: доля заявок {previous_rate} → {rate} ({change_pp}), но звонков "
        "{previous_calls} → {calls} (нужно от {min_calls} в обеих неделях) — выборка мала.",
        "en": "“{channel}”: application rate {previous_rate} → {rate} ({change_pp}), but only "
        "{previous_calls} → {calls} calls ({min_calls} needed in both weeks): too small to tell.",
    },
    "cav_objection_script": {
        "ru": "Главная причина отказа «{reason}» — всего {leads} лидов (нужно от {min_leads}).",
        "en": "The top refusal reason “{reason}” covers only {leads} leads ({min_leads} needed).",
    },
    "cav_manager_review": {
        "ru": "Менеджер {manager}: {deals} сделок при ожидаемых {expected_deals} — ожидание меньше "
        "{min_expected_deals}, судить рано.",
        "en": "Manager {manager}: {deals} deals against {expected_deals} expected; fewer than "
        "{min_expected_deals} expected, too early to judge.",
    },
    "footer": {
        "ru": "Сформировано callfunnel {generated}. Пороги правил: docs/report.md.",
        "en": "Generated by callfunnel {generated}. Rule thresholds: docs/report.md.",
    },
    "none": {"ru": "нет данных", "en": "n/a"},
}


@dataclass(frozen=True)
class Locale:
    """Formats numbers and looks up text for one language (`ru` or `en`)."""

    lang: str = "ru"

    def t(self, key: str, **values: object) -> str:
        text = TEXT[key][self.lang]
        return text.format(**values) if values else text

    @property
    def none(self) -> str:
        return TEXT["none"][self.lang]

    def _grouped(self, value: float, decimals: int) -> str:
        text = f"{value:,.{decimals}f}"
        if self.lang == "ru":
            text = text.replace(",", NBSP).replace(".", ",")
        return text

    def _signed(self, value: float, text: str) -> str:
        if value > 0:
            return "+" + text
        return text.replace("-", "−", 1) if value < 0 else text

    @staticmethod
    def _missing(value: float | None) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value))

    def integer(self, value: float | None) -> str:
        return self.none if self._missing(value) else self._grouped(round(value), 0)  # type: ignore[arg-type]

    def number(self, value: float | None, decimals: int = 1) -> str:
        return self.none if self._missing(value) else self._grouped(value, decimals)  # type: ignore[arg-type]

    def rub(self, value: float | None) -> str:
        if self._missing(value):
            return self.none
        amount = self._grouped(round(value), 0)  # type: ignore[arg-type]
        return f"{amount}{NBSP}руб." if self.lang == "ru" else f"RUB{NBSP}{amount}"

    def rate(self, value: float | None, decimals: int = 1) -> str:
        """A proportion (0.123) as a percentage (12,3 % / 12.3%)."""
        if self._missing(value):
            return self.none
        text = self._grouped(value * 100, decimals)  # type: ignore[operator]
        return f"{text}{NBSP}%" if self.lang == "ru" else f"{text}%"

    def pp(self, value: float | None) -> str:
        """A change of a rate, already in percentage points."""
        if self._missing(value):
            return self.none
        unit = "п.п." if self.lang == "ru" else "pp"
        return self._signed(value, self._grouped(value, 1)) + NBSP + unit  # type: ignore[arg-type]

    def pct_change(self, new: float | None, old: float | None) -> str:
        """The relative change of an amount, in %."""
        if self._missing(new) or self._missing(old) or not old:
            return self.none
        change = (new - old) / abs(old) * 100  # type: ignore[operator]
        text = self._signed(change, self._grouped(change, 1))
        return f"{text}{NBSP}%" if self.lang == "ru" else f"{text}%"

    def count_change(self, new: float | None, old: float | None) -> str:
        return self.pct_change(new, old)

    def ratio(self, value: float | None, decimals: int = 2) -> str:
        return self.number(value, decimals)

    def talk_time(self, seconds: float | None) -> str:
        """Seconds as m:ss."""
        if self._missing(seconds):
            return self.none
        total = round(seconds)  # type: ignore[arg-type]
        return f"{total // 60}:{total % 60:02d}"

    def day(self, value: date) -> str:
        if self.lang == "ru":
            return f"{value.day} {MONTHS_RU[value.month - 1]} {value.year}"
        return value.strftime("%-d %b %Y")
