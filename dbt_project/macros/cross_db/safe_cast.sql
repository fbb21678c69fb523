{#- dbt's own safe_cast is a plain cast on DuckDB, which fails the whole query on one bad value;
    try_cast gives null instead, which is what "safe" promises. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
