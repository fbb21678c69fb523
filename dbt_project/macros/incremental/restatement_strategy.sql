{#- Incremental strategy `restatement_window`: delete the target's rows dated inside the window
    (column named by meta `restated_by`), then insert what this run computed for the window.
    Unlike delete+insert on a key, a row that vanished from the window's weeks disappears too.
    Plain SQL on purpose: every adapter runs delete and insert. -#}
{% macro get_incremental_restatement_window_sql(arg_dict) -%}
    {%- set column = (config.get('meta') or {}).get('restated_by') -%}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'restatement_window' needs meta restated_by (a date column)"
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ column }} >= {{ restatement_window_start() }};

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
