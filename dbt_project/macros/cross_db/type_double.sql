{#- A double-precision float for rates and ratios. dbt's type_float is a 4-byte REAL on DuckDB,
    which keeps about seven digits: too few for money per unit or for comparing rates. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'callfunnel')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}
