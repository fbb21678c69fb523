{#- Staging models keep the latest version of each key across all of a source's landing files
    (docs/incremental.md, "Staging"). Built whole, the rows of keys with one version pass
    through and the others are ranked (the typed CTE is read twice: declare it
    `{{ not_materialized() }}`). Built incrementally, a run reads only the raw files ingested after the newest file the table
    holds (`_ingested_at`, one stamp per file, later for every file read later) and decides the
    keys those files touch:

    - the table's current row of a key competes with the key's rows in the new files;
    - a file read again (its name is already in the table: it changed in the landing folder)
      replaces its previous rows, so the keys whose current row came from it are decided again
      from every file, and a key no file holds any more is removed.

    `latest_version_ctes(typed, source_relation, key, order_by, columns)` writes the CTEs that
    end in `latest_versions`, one row per key with `columns` and `staged_at`: `typed` is the CTE
    of typed source rows (with `source_file` and `ingested_at`), `order_by` ranks a key's
    versions, best first. The
    incremental strategy `latest_version` below replaces the table's rows of those keys.
    Plain SQL: the run-time lookups use run_query, which every adapter has. -#}

{% macro latest_version_ctes(typed, source_relation, key, order_by, columns) -%}
    {%- if is_incremental() -%}
        {{ _latest_version_incremental_ctes(typed, source_relation, key, order_by, columns) }}
    {%- else -%}
repeated_keys as (

    -- Most keys have one version: only the rows of the others are ranked, so the ranking
    -- sorts thousands of rows rather than every raw row.
    select {{ key }}
    from {{ typed }}
    group by {{ key }}
    having count(*) > 1

),

ranked_versions as (

    select
        *,
        row_number() over (partition by {{ key }} order by {{ order_by }}) as version_rank
    from {{ typed }}
    where
        {{ key }} is null
        or {{ key }} in (select repeated_keys.{{ key }} from repeated_keys)

),

latest_versions as (

    select
        {{ columns | join(', ') }},
        {{ staged_at() }} as staged_at
    from {{ typed }}
    where
        {{ key }} is not null
        and not exists (
            select 1 from repeated_keys
            where repeated_keys.{{ key }} = {{ typed }}.{{ key }}
        )
    union all
    select
        {{ columns | join(', ') }},
        {{ staged_at() }} as staged_at
    from ranked_versions
    where version_rank = 1

)
    {%- endif -%}
{%- endmacro %}


{#- Quoted, comma-separated SQL string literals (an empty list gives a null that matches no
    row). -#}
{% macro _sql_string_list(values) -%}
    {%- if values | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        {%- for value in values -%}
            '{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro _latest_version_incremental_ctes(typed, source_relation, key, order_by, columns) -%}
    {%- set watermark = none -%}
    {%- set new_files = [] -%}
    {%- set replaced_files = [] -%}
    {%- if execute -%}
        {%- set watermark = run_query(
            "select cast(max(ingested_at) as " ~ dbt.type_string() ~ ") from " ~ this
        ).columns[0].values()[0] -%}
        {%- set newer -%}
            {%- if watermark is not none %} where _ingested_at > cast('{{ watermark }}' as {{ dbt.type_timestamp() }}){% endif -%}
        {%- endset -%}
        {%- set new_files = run_query(
            "select distinct _source_file from " ~ source_relation ~ newer ~ " order by 1"
        ).columns[0].values() | list -%}
        {%- if new_files -%}
            {%- set replaced_files = run_query(
                "select distinct source_file from " ~ this ~ " where source_file in ("
                ~ _sql_string_list(new_files) ~ ") order by 1"
            ).columns[0].values() | list -%}
        {%- endif -%}
        {{ log(this.identifier ~ ": " ~ (new_files | length) ~ " file(s) ingested since the last run, "
            ~ (replaced_files | length) ~ " of them read again", info=true) }}
    {%- endif -%}
new_versions as (

    -- Rows of the files ingested since the newest file the table holds.
    select * from {{ typed }}
    {%- if watermark is not none %}
    where ingested_at > cast('{{ watermark }}' as {{ dbt.type_timestamp() }})
    {%- endif %}

),

held_versions as (

    -- The current row of each key the new files touch, unless it came from a file read again.
    select {{ columns | join(', ') }}
    from {{ this }}
    where
        {{ key }} in (select new_versions.{{ key }} from new_versions)
        and source_file not in ({{ _sql_string_list(new_files) }})

),
{%- if replaced_files %}

replaced_rows as (

    -- Current rows that came from a file read again: their keys are decided from every file.
    select {{ columns | join(', ') }}
    from {{ this }}
    where source_file in ({{ _sql_string_list(replaced_files) }})

),

earlier_versions as (

    select {{ columns | join(', ') }}
    from {{ typed }}
    where
        {{ key }} in (select replaced_rows.{{ key }} from replaced_rows)
        and source_file not in ({{ _sql_string_list(new_files) }})

),
{%- endif %}

candidate_versions as (

    select {{ columns | join(', ') }} from new_versions
    union all
    select {{ columns | join(', ') }} from held_versions
    {%- if replaced_files %}
    union all
    select {{ columns | join(', ') }} from earlier_versions
    {%- endif %}

),

ranked_versions as (

    select
        *,
        row_number() over (partition by {{ key }} order by {{ order_by }}) as version_rank
    from candidate_versions

),

latest_versions as (

    select
        {{ columns | join(', ') }},
        {{ staged_at() }} as staged_at
    from ranked_versions
    where version_rank = 1
    {%- if replaced_files %}
    union all
    -- A key that only a re-read file held, and no longer does: a row without a source file,
    -- which the strategy deletes from the table and does not insert.
    select
        {%- for column in columns %}
        {% if column == 'source_file' %}cast(null as {{ dbt.type_string() }}) as source_file{% else %}{{ column }}{% endif %},
        {%- endfor %}
        {{ staged_at() }} as staged_at
    from replaced_rows
    where {{ key }} not in (select ranked_versions.{{ key }} from ranked_versions)
    {%- endif %}

)
{%- endmacro %}


{#- Incremental strategy `latest_version`: the run's rows replace the table's rows of the same
    key (`unique_key`); a row without a source file only removes its key. -#}
{% macro get_incremental_latest_version_sql(arg_dict) -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- if not key or key is not string -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'latest_version' needs unique_key (one column)"
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ key }} in (select {{ key }} from {{ arg_dict['temp_relation'] }});

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
    where source_file is not null
{%- endmacro %}


{#- When this dbt invocation started (UTC): the `staged_at` of every row a staging run writes,
    so its data tests can read the rows of the last run only (`restated_rows_only()`). -#}
{% macro staged_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
