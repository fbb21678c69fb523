-- The funnel logic needs: one row per status, a `new` status (a lead without events is new),
-- one status per stage order (the furthest stage is found by its order), and no status that is
-- both won and lost.
with crm_statuses as (

    select * from {{ ref('crm_statuses') }}

),

repeated_statuses as (

    select
        status,
        'listed more than once' as problem
    from crm_statuses
    group by status
    having count(*) > 1

),

new_status_count as (

    select count(*) as new_statuses
    from crm_statuses
    where status = 'new'

),

missing_new_status as (

    select
        'new' as status,
        'missing' as problem
    from new_status_count
    where new_statuses = 0

),

shared_stage_orders as (

    select
        min(status) as status,
        'shares its stage_order with another status' as problem
    from crm_statuses
    where stage_order is not null
    group by stage_order
    having count(*) > 1

),

won_and_lost as (

    select
        status,
        'both won and lost' as problem
    from crm_statuses
    where is_won and is_lost

)

select * from repeated_statuses
union all
select * from missing_new_status
union all
select * from shared_stage_orders
union all
select * from won_and_lost
