{#- Timestamps are stored in UTC; the business reads days and weeks on its own clock
    (var business_timezone, Monday-based weeks). Adapters differ in how they convert zones and
    which day starts a week, so each step is dispatched. -#}

{#- A UTC timestamp (without zone) as the wall-clock time in the business time zone. -#}
{% macro to_business_time(utc_timestamp) -%}
    {{ return(adapter.dispatch('to_business_time', 'callfunnel')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__to_business_time(utc_timestamp) -%}
    convert_timezone('UTC', '{{ var("business_timezone") }}', {{ utc_timestamp }})
{%- endmacro %}

{% macro postgres__to_business_time(utc_timestamp) -%}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone '{{ var("business_timezone") }}'
{%- endmacro %}

{% macro duckdb__to_business_time(utc_timestamp) -%}
    timezone('{{ var("business_timezone") }}', timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}


{#- The calendar date of a UTC timestamp in the business time zone. -#}
{% macro business_date(utc_timestamp) -%}
    cast({{ to_business_time(utc_timestamp) }} as date)
{%- endmacro %}


{#- The Monday starting the week of a date or local (business-time) timestamp. -#}
{% macro week_start(local_date_or_timestamp) -%}
    {{ return(adapter.dispatch('week_start', 'callfunnel')(local_date_or_timestamp)) }}
{%- endmacro %}

{#- Relies on the adapter truncating to ISO (Monday) weeks; adapters that start weeks on another
    day need their own version. -#}
{% macro default__week_start(local_date_or_timestamp) -%}
    cast({{ dbt.date_trunc('week', local_date_or_timestamp) }} as date)
{%- endmacro %}

{% macro duckdb__week_start(local_date_or_timestamp) -%}
    cast(date_trunc('week', {{ local_date_or_timestamp }}) as date)
{%- endmacro %}


{#- The Monday (business time zone) starting the week of a UTC timestamp. -#}
{% macro business_week_start(utc_timestamp) -%}
    {{ week_start(to_business_time(utc_timestamp)) }}
{%- endmacro %}
