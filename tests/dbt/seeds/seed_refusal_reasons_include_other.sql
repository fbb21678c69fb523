-- Unknown refusal reasons are counted as `other`, so the seed must list it, once, like every
-- other code.
with refusal_reasons as (

    select * from {{ ref('refusal_reasons') }}

),

repeated_reasons as (

    select
        refusal_reason,
        'listed more than once' as problem
    from refusal_reasons
    group by refusal_reason
    having count(*) > 1

),

other_reason_count as (

    select count(*) as other_reasons
    from refusal_reasons
    where refusal_reason = 'other'

),

missing_other as (

    select
        'other' as refusal_reason,
        'missing' as problem
    from other_reason_count
    where other_reasons = 0

)

select * from repeated_reasons
union all
select * from missing_other
