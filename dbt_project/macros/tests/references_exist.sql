{#- Model-level test of several references to other models in one dbt node.

    `references` is a list of `{column, to, field}` (as dbt's `relationships` test: every
    non-null `column` value must be a `field` value of `to`), each with an optional `where`
    limiting the rows whose value is checked. Fails with one row per reference that has unknown
    values, naming the column, the referenced model and column, and how many rows name a value
    it lacks. -#}
{% test references_exist(model, references) %}

with checked_rows as (

    select * from {{ model }}

),

{% for reference in references -%}
referencing_values_{{ loop.index }} as (

    select {{ reference['column'] }} as referencing_value
    from checked_rows
    where
        {{ reference['column'] }} is not null
        {%- if reference.get('where') %}
        and ({{ reference['where'] }})
        {%- endif %}

),

{% endfor -%}
unknown_references as (

    {% for reference in references -%}
    select
        '{{ reference["column"] }}' as column_name,
        '{{ reference["to"].identifier }}.{{ reference["field"] }}' as referenced_column,
        count(*) as unknown_rows
    from referencing_values_{{ loop.index }} as referencing
    left join {{ reference['to'] }} as referenced
        on referencing.referencing_value = referenced.{{ reference['field'] }}
    where referenced.{{ reference['field'] }} is null
    {% if not loop.last %}
    union all

    {% endif -%}
    {%- endfor %}

)

select
    column_name,
    referenced_column,
    unknown_rows
from unknown_references
where unknown_rows > 0

{% endtest %}
