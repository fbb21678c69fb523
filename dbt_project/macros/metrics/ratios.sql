{#- Shared arithmetic of the marts: every rate and money-per-unit figure goes through these, so a
    zero denominator is null everywhere (never zero, never an error). -#}

{#- numerator / denominator, null when the denominator is zero or null. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0))
{%- endmacro %}


{#- Lower bound of the Wilson score interval for successes out of trials (95% by default).
    Null when there are no trials. -#}
{% macro wilson_low(successes, trials, z=1.96) -%}
    case
        when coalesce({{ trials }}, 0) = 0 then null
        else (
            (
                cast({{ successes }} as {{ type_double() }}) / {{ trials }}
                + {{ z * z }} / (2.0 * {{ trials }})
                - {{ z }} * sqrt(
                    (cast({{ successes }} as {{ type_double() }}) / {{ trials }})
                    * (1 - cast({{ successes }} as {{ type_double() }}) / {{ trials }})
                    / {{ trials }}
                    + {{ z * z }} / (4.0 * {{ trials }} * {{ trials }})
                )
            ) / (1 + {{ z * z }} / {{ trials }})
        )
    end
{%- endmacro %}


{#- Upper bound of the Wilson score interval; see wilson_low. -#}
{% macro wilson_high(successes, trials, z=1.96) -%}
    case
        when coalesce({{ trials }}, 0) = 0 then null
        else (
            (
                cast({{ successes }} as {{ type_double() }}) / {{ trials }}
                + {{ z * z }} / (2.0 * {{ trials }})
                + {{ z }} * sqrt(
                    (cast({{ successes }} as {{ type_double() }}) / {{ trials }})
                    * (1 - cast({{ successes }} as {{ type_double() }}) / {{ trials }})
                    / {{ trials }}
                    + {{ z * z }} / (4.0 * {{ trials }} * {{ trials }})
                )
            ) / (1 + {{ z * z }} / {{ trials }})
        )
    end
{%- endmacro %}
