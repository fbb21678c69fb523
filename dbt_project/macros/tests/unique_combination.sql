{#- Fails with one row per combination of the given expressions that occurs more than once. -#}
{% test unique_combination(model, expressions) %}

select
    {%- for expression in expressions %}
    {{ expression }} as key_part_{{ loop.index }},
    {%- endfor %}
    count(*) as occurrences
from {{ model }}
group by
    {%- for expression in expressions %}
    {{ expression }}{{ "," if not loop.last }}
    {%- endfor %}
having count(*) > 1

{% endtest %}
