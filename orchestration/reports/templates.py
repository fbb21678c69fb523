"""Jinja templates of the report: one self-contained HTML page, and the same as Markdown."""

HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ v.lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ v.title }} · {{ v.week_line }}</title>
<style>
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 24px auto;
       max-width: 1080px; color: #1d1d1d; line-height: 1.4; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { margin-top: 28px; border-bottom: 2px solid #ddd; }
h3 { margin-bottom: 6px; }
.sub { color: #555; margin: 2px 0; }
.banner { background: #b00020; color: #fff; padding: 16px 20px; border-radius: 6px;
          margin: 16px 0; }
.banner strong { font-size: 20px; display: block; margin-bottom: 6px; }
.notice { background: #fff4d6; border-left: 6px solid #e0a800; padding: 12px 16px;
          margin: 16px 0; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 10px; text-align: left; }
td.n, th.n { text-align: right; } td.n { white-space: nowrap; }
.wide { overflow-x: auto; }
tr.muted td { color: #777; } tr.error td { color: #b00020; } tr.warn td { color: #8a5a00; }
.note { color: #555; font-size: 13px; margin: 2px 0; }
.advice li { margin-bottom: 10px; } .why { color: #444; font-size: 14px; }
.grid { display: flex; flex-wrap: wrap; gap: 24px; } .grid > div { flex: 1 1 300px; }
figure { margin: 12px 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
footer { color: #777; font-size: 12px; margin-top: 32px; }
</style>
</head>
<body>
<h1>{{ v.title }}</h1>
<p class="sub">{{ v.week_line }}</p>
<p class="sub">{{ v.compared_line }}</p>
{% if v.banner_title %}
<div class="banner" id="not-published" role="alert"><strong>{{ v.banner_title }}</strong>
{% for line in v.banner_lines %}<p>{{ line }}</p>{% endfor %}
</div>
{% endif %}
{% for line in v.notice_lines %}<div class="notice" id="small-sample">{{ line }}</div>{% endfor %}
{% if v.source_line %}<p class="note">{{ v.source_line }}</p>{% endif %}
{% if v.has_figures %}
<h2>{{ v.t.s_raw }}</h2>
<table id="raw"><tr><th>{{ v.t.metric }}</th><th class="n">{{ v.t.this_week }}</th>
<th class="n">{{ v.t.change }}</th></tr>
{% for r in v.raw_rows %}<tr><td>{{ r.cells[0] }}</td><td class="n">{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td></tr>
{% endfor %}</table>

<h2>{{ v.t.s_conv }}</h2>
<table id="conversion"><tr><th>{{ v.t.metric }}</th><th class="n">{{ v.t.this_week }}</th>
<th class="n">{{ v.t.change }}</th></tr>
{% for r in v.conv_rows %}<tr><td>{{ r.cells[0] }}</td><td class="n">{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td></tr>
{% endfor %}</table>
{% for n in v.conv_notes %}<p class="note">{{ n }}</p>{% endfor %}

<h2>{{ v.t.s_charts }}</h2>
{% for name, title, data, file in v.charts %}
<figure id="chart-{{ name }}"><img alt="{{ title }}" src="data:image/png;base64,{{ data }}">
</figure>
{% endfor %}

<h2>{{ v.t.s_analysis }}</h2>
<h3>{{ v.t.reasons_title }}</h3>
<div class="grid"><div><h4>{{ v.t.reasons_overall }}</h4>
<table id="reasons"><tr><th>{{ v.t.reason }}</th><th class="n">{{ v.t.lost_leads }}</th>
<th class="n">{{ v.t.share }}</th></tr>
{% for r in v.reason_rows %}<tr><td>{{ r.cells[0] }}</td><td class="n">{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td></tr>{% endfor %}
</table></div>
{% for channel, rows in v.channel_reasons %}<div><h4>{{ channel }}</h4><table>
{% for r in rows %}<tr><td>{{ r.cells[0] }}</td><td class="n">{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td></tr>{% endfor %}
</table></div>
{% endfor %}</div>

<h3>{{ v.ranking_title }}</h3>
{% if v.ranking_rows %}<table id="ranking"><tr><th></th><th>{{ v.t.channel }}</th>
<th class="n">{{ v.t.calls }}</th><th class="n">{{ v.t.application_rate }}</th>
<th class="n">{{ v.t.interval }}</th></tr>
{% for r in v.ranking_rows %}<tr><td>{{ r.cells[0] }}</td><td>{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td><td class="n">{{ r.cells[3] }}</td>
<td class="n">{{ r.cells[4] }}</td></tr>{% endfor %}
</table>{% else %}<p>{{ v.ranking_empty }}</p>{% endif %}

<h3>{{ v.t.channels_title }}</h3>
<div class="wide"><table id="channels"><tr><th>{{ v.t.channel }}</th>
<th class="n">{{ v.t.calls }}</th>
<th class="n">{{ v.t.quality_calls }}</th><th class="n">{{ v.t.application_rate }}</th>
<th class="n">{{ v.t.interval }}</th><th class="n">{{ v.t.cost_per_quality_call }}</th>
<th class="n">{{ v.t.spend }}</th><th class="n">{{ v.t.revenue_won }}</th></tr>
{% for r in v.channel_rows %}<tr class="{{ r.css }}"><td>{{ r.cells[0] }}</td>
{% for c in r.cells[1:] %}<td class="n">{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table></div>

<h3>{{ v.t.problems_title }}</h3>
<table id="problems">
{% for r in v.problem_rows %}<tr><td>{{ r.cells[0] }}</td><td class="n">{{ r.cells[1] }}</td>
<td class="n">{{ r.cells[2] }}</td></tr>{% endfor %}
</table>
<h3>{{ v.t.dq_title }}</h3>
{% if v.dq_rows %}<table id="dq"><tr><th>{{ v.t.manager }}</th>
<th class="n">{{ v.t.status_fill }}</th><th class="n">{{ v.t.outcome_fill }}</th>
<th class="n">{{ v.t.score_fill }}</th><th class="n">{{ v.t.reason_fill }}</th>
<th class="n">{{ v.t.stale_leads }}</th></tr>
{% for r in v.dq_rows %}<tr><td>{{ r.cells[0] }}</td>{% for c in r.cells[1:] %}
<td class="n">{{ c }}</td>{% endfor %}</tr>{% endfor %}
</table>{% endif %}
{% if v.dq_message %}<p>{{ v.dq_message }}</p>{% endif %}
<h3>{{ v.t.checks_title }}</h3>
{% if v.check_rows %}<table id="checks"><tr><th>{{ v.t.check }}</th><th>{{ v.t.table }}</th>
<th>{{ v.t.severity }}</th><th class="n">{{ v.t.failed }}</th><th>{{ v.t.sample }}</th></tr>
{% for r in v.check_rows %}<tr class="{{ r.css }}"><td>{{ r.cells[0] }}</td>
<td>{{ r.cells[1] }}</td><td>{{ r.cells[2] }}</td><td class="n">{{ r.cells[3] }}</td>
<td>{{ r.cells[4] }}</td></tr>
{% endfor %}</table>{% endif %}
{% if v.checks_message %}<p>{{ v.checks_message }}</p>{% endif %}

<h2>{{ v.t.s_plan }}</h2>
{% if v.advice %}<ol class="advice" id="advice">
{% for a in v.advice %}<li data-rule="{{ a.rule }}"><strong>{{ a.action }}</strong><br>
<span class="why">{{ v.t.rests_on }}: {{ a.why }}</span></li>
{% endfor %}</ol>{% endif %}
{% if v.no_advice %}<p>{{ v.no_advice }}</p>{% endif %}
{% if v.caveats %}<h3>{{ v.t.caveats_title }}</h3><ul id="caveats">
{% for c in v.caveats %}<li>{{ c }}</li>{% endfor %}</ul>{% endif %}

{% endif %}
<footer>{{ v.footer }}</footer>
</body>
</html>
"""

MARKDOWN_TEMPLATE = """# {{ v.title }}

{{ v.week_line }}. {{ v.compared_line }}.
{% if v.banner_title %}

> **{{ v.banner_title }}**
{% for line in v.banner_lines %}
>
> {{ line }}
{% endfor %}
{% endif %}
{% for line in v.notice_lines %}

> ⚠ {{ line }}
{% endfor %}
{% if v.source_line %}

_{{ v.source_line }}_
{% endif %}
{% if v.has_figures %}

## {{ v.t.s_raw }}

| {{ v.t.metric }} | {{ v.t.this_week }} | {{ v.t.change }} |
|---|---:|---:|
{% for r in v.raw_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}

## {{ v.t.s_conv }}

| {{ v.t.metric }} | {{ v.t.this_week }} | {{ v.t.change }} |
|---|---:|---:|
{% for r in v.conv_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}

{% for n in v.conv_notes %}
_{{ n }}_
{% endfor %}

## {{ v.t.s_charts }}

{% for name, title, data, file in v.charts %}
![{{ title }}]({{ file }})

{% endfor %}
## {{ v.t.s_analysis }}

### {{ v.t.reasons_title }}

| {{ v.t.reasons_overall }} | {{ v.t.lost_leads }} | {{ v.t.share }} |
|---|---:|---:|
{% for r in v.reason_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}

| {{ v.t.channel }} | {{ v.t.reason }} | {{ v.t.lost_leads }} | {{ v.t.share }} |
|---|---|---:|---:|
{% for channel, rows in v.channel_reasons %}
{% for r in rows %}
| {{ channel }} | {{ r.cells | join(' | ') }} |
{% endfor %}
{% endfor %}

### {{ v.ranking_title }}

{% if v.ranking_rows %}
| | {{ v.t.channel }} | {{ v.t.calls }} | {{ v.t.application_rate }} | {{ v.t.interval }} |
|---|---|---:|---:|---:|
{% for r in v.ranking_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}
{% else %}
{{ v.ranking_empty }}
{% endif %}

### {{ v.t.channels_title }}

| {{ v.t.channel }} | {{ v.t.calls }} | {{ v.t.quality_calls }} | {{ v.t.application_rate }} \
| {{ v.t.interval }} | {{ v.t.cost_per_quality_call }} | {{ v.t.spend }} | {{ v.t.revenue_won }} |
|---|---:|---:|---:|---:|---:|---:|---:|
{% for r in v.channel_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}

### {{ v.t.problems_title }}

{% for r in v.problem_rows %}
- {{ r.cells[0] }}: {{ r.cells[1] }} ({{ r.cells[2] }})
{% endfor %}

### {{ v.t.dq_title }}

{% if v.dq_rows %}
| {{ v.t.manager }} | {{ v.t.status_fill }} | {{ v.t.outcome_fill }} | {{ v.t.score_fill }} \
| {{ v.t.reason_fill }} | {{ v.t.stale_leads }} |
|---|---:|---:|---:|---:|---:|
{% for r in v.dq_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}
{% endif %}
{% if v.dq_message %}
{{ v.dq_message }}
{% endif %}

### {{ v.t.checks_title }}

{% if v.check_rows %}
| {{ v.t.check }} | {{ v.t.table }} | {{ v.t.severity }} | {{ v.t.failed }} | {{ v.t.sample }} |
|---|---|---|---:|---|
{% for r in v.check_rows %}
| {{ r.cells | join(' | ') }} |
{% endfor %}
{% endif %}
{% if v.checks_message %}
{{ v.checks_message }}
{% endif %}

## {{ v.t.s_plan }}

{% for a in v.advice %}
{{ loop.index }}. **{{ a.action }}** {{ v.t.rests_on }}: {{ a.why }}
{% endfor %}
{% if v.no_advice %}
{{ v.no_advice }}
{% endif %}
{% if v.caveats %}

### {{ v.t.caveats_title }}

{% for c in v.caveats %}
- {{ c }}
{% endfor %}
{% endif %}

{% endif %}

---
_{{ v.footer }}_
"""
