{#- Written after `as` in a CTE that a query reads more than once: asks the engine to inline it
    rather than store its result. A CTE over a whole raw source, read once for its keys and
    once for its rows, would otherwise be held in memory (DuckDB stores such CTEs by default).
    Engines without the hint get nothing: the query means the same either way. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'callfunnel')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}
{%- endmacro %}

{% macro duckdb__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro postgres__not_materialized() -%}
    not materialized
{%- endmacro %}
