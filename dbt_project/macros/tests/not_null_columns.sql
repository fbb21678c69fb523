{#- Model-level not-null test: one scan of the model for all the given columns.

    Fails with one row per column that has nulls, naming the column and how many rows lack a
    value, so a failure still says which column broke. A column-level `not_null` test per
    column would scan the model once each and cost a dbt node each. -#}
{% test not_null_columns(model, columns) %}

with null_counts as (

    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    nulls_{{ loop.index }} as null_rows
from null_counts
where nulls_{{ loop.index }} > 0
{% if not loop.last %}
union all

{% endif -%}
{%- endfor %}

{% endtest %}
