{#- The restatement window of incremental models (docs/incremental.md).

    An incremental run rebuilds every week from `restatement_window_start()` on: the Monday of
    the as_of week, `restatement_weeks` weeks back. Weeks before it keep what the last run (or
    the last full refresh) wrote. The window must reach past the maturing weeks, or the
    `is_maturing` flag of the week that leaves them would never be cleared. -#}

{% macro restatement_window_start() -%}
    {%- set window_weeks = var('restatement_weeks') | int -%}
    {%- if window_weeks <= var('maturing_weeks') | int -%}
        {{ exceptions.raise_compiler_error(
            "restatement_weeks (" ~ window_weeks ~ ") must exceed maturing_weeks ("
            ~ var('maturing_weeks') ~ ")"
        ) }}
    {%- endif -%}
    {%- set as_of_utc = as_of_timestamp() -%}
    cast({{ dbt.dateadd('week', -1 * window_weeks, business_week_start(as_of_utc)) }} as date)
{%- endmacro %}


{#- The condition of the rows an incremental run restates (`date_column` from the window's
    start on), `1 = 1` on a full build. `margin_days` reaches that many days earlier: a UTC
    timestamp column needs a day to cover the window's first business-time hours (the week is
    checked on the business date later). -#}
{% macro restated_since(date_column, margin_days=0) -%}
    {%- if is_incremental() -%}
        {%- set start = restatement_window_start() -%}
        {%- if margin_days -%}
            {%- set start = dbt.dateadd('day', -1 * margin_days, start) -%}
        {%- endif -%}
        {{ date_column }} >= {{ start }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}


{#- `where`/`and` clause limiting an incremental run to the window; nothing on a full build. -#}
{% macro in_restatement_window(date_column, keyword='where', margin_days=0) -%}
    {%- if is_incremental() %}
        {{ keyword }} {{ restated_since(date_column, margin_days) }}
    {%- endif -%}
{%- endmacro %}
