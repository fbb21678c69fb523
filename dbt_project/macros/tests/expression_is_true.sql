{#- Fails with every row for which the expression is not true. At column level the column name
    is put in front of the expression (e.g. column talk_seconds, expression ">= 0"). -#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
{%- if column_name is none %}
where not ({{ expression }})
{%- else %}
where not ({{ column_name }} {{ expression }})
{%- endif %}

{% endtest %}
