{#- Calendar parts of a wall-clock (business-time) timestamp, as integers. Adapters name the ISO
    weekday differently, so each part is dispatched. Convert UTC timestamps with
    to_business_time first. -#}

{#- Day of the week, ISO numbering: Monday = 1 ... Sunday = 7. -#}
{% macro iso_weekday(local_timestamp) -%}
    {{ return(adapter.dispatch('iso_weekday', 'callfunnel')(local_timestamp)) }}
{%- endmacro %}

{% macro default__iso_weekday(local_timestamp) -%}
    cast(extract(isodow from {{ local_timestamp }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro snowflake__iso_weekday(local_timestamp) -%}
    cast(dayofweekiso({{ local_timestamp }}) as {{ dbt.type_int() }})
{%- endmacro %}

{#- BigQuery numbers Sunday = 1 ... Saturday = 7. -#}
{% macro bigquery__iso_weekday(local_timestamp) -%}
    cast(mod(extract(dayofweek from {{ local_timestamp }}) + 5, 7) + 1 as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__iso_weekday(local_timestamp) -%}
    cast(isodow({{ local_timestamp }}) as {{ dbt.type_int() }})
{%- endmacro %}


{#- Hour of the day, 0 to 23. -#}
{% macro hour_of_day(local_timestamp) -%}
    {{ return(adapter.dispatch('hour_of_day', 'callfunnel')(local_timestamp)) }}
{%- endmacro %}

{% macro default__hour_of_day(local_timestamp) -%}
    cast(extract(hour from {{ local_timestamp }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__hour_of_day(local_timestamp) -%}
    cast(hour({{ local_timestamp }}) as {{ dbt.type_int() }})
{%- endmacro %}
