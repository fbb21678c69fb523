{#- The moment the run counts as now, as a UTC timestamp expression.

    The orchestrator hands it over in the environment (CALLFUNNEL_AS_OF_UTC, written by
    orchestration/transform.py) rather than as a var: vars are part of the state dbt's partial
    parsing compares, so a var that changes on every run would make every run parse the whole
    project again. The environment is read only while executing (`execute`), never while
    parsing, for the same reason. A hand-run `--vars '{"as_of": ...}'` still wins; with neither,
    the warehouse's current time counts. -#}
{% macro as_of_timestamp() -%}
    {%- set from_var = var('as_of', none) -%}
    {%- set from_env = env_var('CALLFUNNEL_AS_OF_UTC', '') if execute else '' -%}
    {%- set moment = from_var or from_env -%}
    {%- if moment -%}
        cast('{{ moment }}' as timestamp)
    {%- else -%}
        cast({{ dbt.current_timestamp() }} as timestamp)
    {%- endif -%}
{%- endmacro %}
