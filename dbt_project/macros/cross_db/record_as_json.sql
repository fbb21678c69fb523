{#- A row's columns as one JSON object in a text column, every value as text, so rows that dbt
    holds out read like the records ingestion rejects. `columns` maps JSON keys to expressions. -#}
{% macro record_as_json(columns) -%}
    {{ return(adapter.dispatch('record_as_json', 'callfunnel')(columns)) }}
{%- endmacro %}

{#- SQL:2016 JSON_OBJECT (key ... value ...). -#}
{% macro default__record_as_json(columns) -%}
    cast(json_object(
        {%- for key, expression in columns.items() %}
        key '{{ key }}' value cast({{ expression }} as {{ dbt.type_string() }})
        {{- "," if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__record_as_json(columns) -%}
    cast(json_object(
        {%- for key, expression in columns.items() %}
        '{{ key }}', cast({{ expression }} as {{ dbt.type_string() }})
        {{- "," if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}
