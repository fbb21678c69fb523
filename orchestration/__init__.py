"""callfunnel: ad channels → phone calls → CRM leads → revenue, as a Dagster + dbt warehouse."""
