{#- Fails with one row per pair of periods of the same key (column_name) that share a day.
    Periods are inclusive on both ends; an empty end means open-ended. -#}
{% test no_overlapping_periods(model, column_name, from_column, to_column) %}

with periods as (

    select
        {{ column_name }} as period_key,
        {{ from_column }} as period_from,
        {{ to_column }} as period_to,
        row_number() over (
            partition by {{ column_name }}
            order by {{ from_column }}, {{ to_column }}
        ) as period_number
    from {{ model }}
    where {{ column_name }} is not null

),

overlapping_pairs as (

    select
        earlier.period_key,
        earlier.period_from,
        earlier.period_to,
        later.period_from as overlapping_from,
        later.period_to as overlapping_to
    from periods as earlier
    inner join periods as later
        on
            earlier.period_key = later.period_key
            and earlier.period_number < later.period_number
    -- rows are numbered by start, so the later one overlaps when it starts before the earlier ends
    where earlier.period_to is null or later.period_from <= earlier.period_to

)

select * from overlapping_pairs

{% endtest %}
