{#- Fails (with both counts) when the model does not have exactly as many rows as the
    compared model, optionally each filtered. -#}
{% test row_count_matches(model, compare_model, where_clause=none, compare_where=none) %}

with model_rows as (

    select count(*) as row_count
    from {{ model }}
    {%- if where_clause %}
    where {{ where_clause }}
    {%- endif %}

),

compared_rows as (

    select count(*) as row_count
    from {{ compare_model }}
    {%- if compare_where %}
    where {{ compare_where }}
    {%- endif %}

)

select
    model_rows.row_count,
    compared_rows.row_count as compared_row_count
from model_rows
cross join compared_rows
where model_rows.row_count <> compared_rows.row_count

{% endtest %}
