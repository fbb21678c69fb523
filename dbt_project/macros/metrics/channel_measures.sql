{#- The measures channel_weekly and channel_quarterly share: both add up int_channel_daily's
    additive columns over their period, then derive the same rates and money per unit. Declared
    once here so the two marts cannot drift apart. -#}

{#- (column, type) of every additive measure, in the marts' column order. -#}
{% macro channel_additive_measures() -%}
    {{ return([
        ('calls', 'integer'),
        ('answered_calls', 'integer'),
        ('missed_calls', 'integer'),
        ('short_calls', 'integer'),
        ('quality_calls', 'integer'),
        ('first_time_callers', 'integer'),
        ('application_calls', 'integer'),
        ('leads', 'integer'),
        ('applications', 'integer'),
        ('won_applications', 'integer'),
        ('meetings', 'integer'),
        ('deals', 'integer'),
        ('revenue_rub', 'numeric'),
        ('deals_won', 'integer'),
        ('revenue_won_rub', 'numeric'),
        ('spend_rub', 'numeric'),
        ('impressions', 'bigint'),
        ('reach', 'bigint'),
        ('clicks', 'bigint'),
        ('answered_talk_seconds', 'bigint'),
        ('answered_won_calls', 'integer'),
        ('answered_won_talk_seconds', 'bigint'),
    ]) }}
{%- endmacro %}


{#- (column, expression) of every derived figure; README "Definitions" says what each means. -#}
{% macro channel_derived_measures() -%}
    {{ return([
        ('answer_rate', safe_divide('answered_calls', 'calls')),
        ('quality_call_rate', safe_divide('quality_calls', 'calls')),
        ('application_rate', safe_divide('application_calls', 'calls')),
        ('application_rate_low', 'round(' ~ wilson_low('application_calls', 'calls') ~ ', 6)'),
        ('application_rate_high', 'round(' ~ wilson_high('application_calls', 'calls') ~ ', 6)'),
        ('deal_rate', safe_divide('won_applications', 'applications')),
        ('deal_rate_low', 'round(' ~ wilson_low('won_applications', 'applications') ~ ', 6)'),
        ('deal_rate_high', 'round(' ~ wilson_high('won_applications', 'applications') ~ ', 6)'),
        ('cost_per_call_rub', safe_divide('spend_rub', 'calls')),
        ('cost_per_quality_call_rub', safe_divide('spend_rub', 'quality_calls')),
        ('cost_per_application_rub', safe_divide('spend_rub', 'applications')),
        ('cac_rub', safe_divide('spend_rub', 'deals_won')),
        ('avg_check_rub', safe_divide('revenue_won_rub', 'deals_won')),
        ('romi', safe_divide('revenue_won_rub - spend_rub', 'spend_rub')),
        ('calls_per_impression', safe_divide('calls', 'impressions')),
        ('calls_per_reach', safe_divide('calls', 'reach')),
        ('avg_talk_seconds', safe_divide('answered_talk_seconds', 'answered_calls')),
        ('avg_talk_seconds_won', safe_divide('answered_won_talk_seconds', 'answered_won_calls')),
    ]) }}
{%- endmacro %}


{#- `sum(x) as x` for every additive measure. -#}
{% macro channel_measure_sums() -%}
    {%- for name, _ in channel_additive_measures() %}
        sum({{ name }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The additive measures cast to their contract types, then every derived figure. -#}
{% macro channel_measure_columns() -%}
    {%- for name, type in channel_additive_measures() %}
        {%- set sql_type = dbt.type_numeric() if type == 'numeric' else type %}
        cast({{ name }} as {{ sql_type }}) as {{ name }},
    {%- endfor %}
    {%- for name, expression in channel_derived_measures() %}
        {{ expression }} as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The names of all measures, for a mart's final select. -#}
{% macro channel_measure_names() -%}
    {%- set names = [] %}
    {%- for name, _ in channel_additive_measures() + channel_derived_measures() %}
        {%- do names.append(name) %}
    {%- endfor %}
    {%- for name in names %}
    {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Every additive measure for one branch of a union: the measures this branch carries by name,
    the rest as 0, always in the same order so the branches line up. -#}
{% macro channel_measures_from(present) -%}
    {%- for name, _ in channel_additive_measures() %}
        {% if name in present %}{{ name }}{% else %}0 as {{ name }}{% endif %}
        {{- "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- `cast(sum(x) as <contract type>) as x` for every additive measure. -#}
{% macro channel_measure_typed_sums() -%}
    {%- for name, type in channel_additive_measures() %}
        {%- set sql_type = dbt.type_numeric() if type == 'numeric' else type %}
        cast(sum({{ name }}) as {{ sql_type }}) as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
