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
    column its `restatement_window` strategy rewrites by; a model that is not incremental (or
    names no such column) is rebuilt whole every run, so its tests read every row. The form with
    a column is for models rebuilt whole from incremental ones week by week (their older weeks
    come from weeks the run did not rewrite). -#}

{% macro restated_rows_only(date_column) -%}
    {%- if flags.FULL_REFRESH -%}
        1 = 1
    {%- else -%}
        ({{ date_column }} >= {{ restatement_window_start() }} or {{ date_column }} is null)
    {%- endif -%}
{%- endmacro %}


{#- The column a tested model's incremental runs rewrite by; none if it is rebuilt whole. -#}
{% macro tested_model_restated_by() -%}
    {%- set tested = graph.nodes.get(model.get('attached_node') or '') if execute else none -%}
    {%- if tested and tested.config.materialized == 'incremental' -%}
        {{ return((tested.config.meta or {}).get('restated_by')) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}


{#- `where` with each `restated_rows_only(...)` call replaced by its condition. -#}
{% macro expand_restated_rows_only(where) -%}
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
        {%- if not column -%}
            {%- set column = tested_model_restated_by() -%}
        {%- endif -%}
        {%- do expanded.append('(' ~ (restated_rows_only(column) if column else '1 = 1') ~ ')') -%}
        {%- do expanded.append(rest) -%}
    {%- endfor -%}
    {{ return(expanded | join('')) }}
{%- endmacro %}


{#- dbt's relation for a test to read: the model, filtered by the test's `where` config (the
    built-in version, plus the expansion above). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and 'restated_rows_only(' in where -%}
        {%- set where = expand_restated_rows_only(where) -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
