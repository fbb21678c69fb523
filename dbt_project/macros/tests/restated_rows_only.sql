{#- Data tests of incremental runs read only the weeks the run rewrote (docs/incremental.md).

    A test's `where` config names the rows it reads. dbt renders `where` while parsing, where
    project macros are not available and `--full-refresh` is not known (the parsed project is
    reused across runs), so the window cannot be spelled out there. Instead `where` may contain
    the call `restated_rows_only(<date column>)` or `restated_rows_only()`, which
    `get_where_subquery` below (dbt's hook for building the filtered relation a test reads)
    expands when the test is compiled for a run:

    - on a full refresh (`--full-refresh`, which the orchestrator passes whenever all history is
      rebuilt): `1 = 1`, every row;
    - otherwise: the rows whose date column falls in the restatement window
      (`restatement_window_start()` on), and rows where it is null, so a missing date still
      fails the tests that look for it.

    `restated_rows_only()` without a column uses the tested model's own `meta.restated_by`, the
    column its `restatement_window` strategy rewrites by (a staging model built with the
    `latest_version` strategy: the rows its last run wrote, by `staged_at`); a model that is
    not incremental (or names no such column) is rebuilt whole every run, so its tests read
    every row. The form with
    a column is for models rebuilt whole from incremental ones week by week (their older weeks
    come from weeks the run did not rewrite). -#}

{% macro restated_rows_only(date_column) -%}
    {%- if flags.FULL_REFRESH -%}
        1 = 1
    {%- else -%}
        ({{ date_column }} >= {{ restatement_window_start() }} or {{ date_column }} is null)
    {%- endif -%}
{%- endmacro %}


{#- The node of the model a test is attached to; none while parsing. -#}
{% macro tested_model() -%}
    {{ return(graph.nodes.get(model.get('attached_node') or '') if execute else none) }}
{%- endmacro %}


{#- The column a tested model's incremental runs rewrite by; none if it is rebuilt whole. -#}
{% macro tested_model_restated_by() -%}
    {%- set tested = tested_model() -%}
    {%- if tested and tested.config.materialized == 'incremental' -%}
        {{ return((tested.config.meta or {}).get('restated_by')) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- A staging model built with the `latest_version` strategy rewrites the keys of the files
    ingested since its last run, whatever their dates: its tests read the rows its last run
    wrote (`staged_at`), all of them after a full refresh. -#}
{% macro tested_model_is_staged() -%}
    {%- set tested = tested_model() -%}
    {{ return(
        tested is not none
        and tested.config.materialized == 'incremental'
        and tested.config.incremental_strategy == 'latest_version'
    ) }}
{%- endmacro %}


{% macro staged_rows_only(relation) -%}
    {%- if flags.FULL_REFRESH -%}
        1 = 1
    {%- else -%}
        staged_at = (select max(staged_at) from {{ relation }})
    {%- endif -%}
{%- endmacro %}


{#- `where` with each `restated_rows_only(...)` call replaced by its condition. -#}
{% macro expand_restated_rows_only(where, relation) -%}
    {%- set call = 'restated_rows_only(' -%}
    {%- set pieces = where.split(call) -%}
    {%- set expanded = [pieces[0]] -%}
    {%- for piece in pieces[1:] -%}
        {%- if ')' not in piece -%}
            {{ exceptions.raise_compiler_error(
                "unclosed restated_rows_only( in the where config: " ~ where
            ) }}
        {%- endif -%}
        {%- set argument, rest = piece.split(')', 1) -%}
        {%- set column = argument | replace("'", "") | replace('"', '') | trim -%}
        {%- if column -%}
            {%- set condition = restated_rows_only(column) -%}
        {%- elif tested_model_is_staged() -%}
            {%- set condition = staged_rows_only(relation) -%}
        {%- else -%}
            {%- set column = tested_model_restated_by() -%}
            {%- set condition = restated_rows_only(column) if column else '1 = 1' -%}
        {%- endif -%}
        {%- do expanded.append('(' ~ condition ~ ')') -%}
        {%- do expanded.append(rest) -%}
    {%- endfor -%}
    {{ return(expanded | join('')) }}
{%- endmacro %}


{#- dbt's relation for a test to read: the model, filtered by the test's `where` config (the
    built-in version, plus the expansion above). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and 'restated_rows_only(' in where -%}
        {%- set where = expand_restated_rows_only(where, relation) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
