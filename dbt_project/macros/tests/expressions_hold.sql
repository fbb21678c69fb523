{#- Model-level test of several named row rules in one scan of the model.

    `expressions` maps a rule's name to a boolean SQL expression over one row. Fails with one
    row per rule that some rows break, naming the rule and how many rows break it. As with
    `expression_is_true`, a row breaks a rule when the expression is false; a null result does
    not count (write `coalesce(..., false)` to make it count). An accepted-values rule is written
    as `column in (...)`, which lets nulls pass exactly as dbt's `accepted_values` does. -#}
{% test expressions_hold(model, expressions) %}

with violation_counts as (

    select
        {%- for expression in expressions.values() %}
        count(case when not ({{ expression }}) then 1 end)
            as violations_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}

)

{% for name in expressions.keys() -%}
select
    '{{ name }}' as rule_name,
    violations_{{ loop.index }} as violating_rows
from violation_counts
where violations_{{ loop.index }} > 0
{% if not loop.last %}
union all

{% endif -%}
{%- endfor %}

{% endtest %}
